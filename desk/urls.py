from django.urls import path

from desk import views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("ratings/<int:pk>/", views.rating, name="rating"),
    path("items/", views.lead_items, name="lead_items"),
    path("items/<int:pk>/", views.lead_item, name="lead_item"),
    path("forms/", views.forms_list, name="forms"),
    path("forms/<int:pk>/", views.form_detail, name="form"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("evaluations/<str:pk>/", views.highlight, name="highlight"),
    path("daily/", views.daily, name="daily"),
]
