from django.urls import path

from coproduce.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:project_id>/", views.project_overview, name="overview"),
    path("<int:project_id>/edit/", views.project_edit, name="edit"),
    path("<int:project_id>/members/", views.member_list, name="members"),
    path("<int:project_id>/members/add/", views.member_add, name="member_add"),
    path("<int:project_id>/members/<int:membership_id>/", views.member_edit, name="member_edit"),
    path(
        "<int:project_id>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<int:project_id>/log/", views.audit_log, name="audit_log"),
]
