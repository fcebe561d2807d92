"""The public doors of casework, at ``/report/`` for the default jurisdiction and under
``/j/<code>/report/`` for the others (as the boards are)."""

from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("report/", views.report_new, name="report_new"),
    path("j/<slug:jurisdiction>/report/", views.report_new, name="report_new"),
    path("report/s/<str:token>/", views.supervisor_report, name="supervisor_report"),
    path("report/sent/", views.report_sent, name="report_sent"),
    path("report/stats/", views.stats, name="stats"),
    path("j/<slug:jurisdiction>/report/stats/", views.stats, name="stats"),
    path("report/stats.json", views.stats, {"fmt": "json"}, name="stats_json"),
    path("j/<slug:jurisdiction>/report/stats.json", views.stats, {"fmt": "json"}, name="stats_json"),
    path("report/track/", views.track, name="track"),
    path("report/track/<str:code>/", views.track_code, name="track_code"),
    path("report/fixed/<str:token>/", views.followup, name="followup"),
    path("casework/files/<int:pk>/", views.report_file, name="report_file"),
    path("casework/steps/files/<int:pk>/", views.event_file, name="event_file"),
]
