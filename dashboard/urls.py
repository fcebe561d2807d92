from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("ratings/", views.dashboard_ratings, name="ratings"),
    path("ratings/<int:pk>/", views.dashboard_rating, name="rating"),
]
