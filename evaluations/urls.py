"""The evaluators' pages at ``/evaluations/``."""

from django.urls import path

from evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("evaluations/", views.index, name="index"),
    path("evaluations/daily/", views.daily, name="daily"),
    path("evaluations/pictures/<str:pk>/", views.picture, name="picture"),
    path("evaluations/<str:pk>/", views.sheet, name="sheet"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("survey/<str:token>/thanks/", views.survey_thanks, name="survey_thanks"),
]
