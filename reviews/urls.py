from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("file/<int:rating_id>/", views.review_file, name="file"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
]
