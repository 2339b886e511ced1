from django.urls import path

from coproduce.catalogue import views

app_name = "catalogue"
urlpatterns = [path("", views.catalogue, name="browse")]
