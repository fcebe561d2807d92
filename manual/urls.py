from django.urls import path

from manual import views

app_name = "manual"

urlpatterns = [
    path("", views.index, name="index"),
    path("manual.pdf", views.manual_pdf, name="pdf"),
    path("<slug:slug>/", views.chapter, name="chapter"),
]
