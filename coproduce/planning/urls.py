from django.urls import path

from coproduce.planning import views

app_name = "planning"
urlpatterns = [
    path("contributions/", views.contribution_list, name="contributions"),
    path("contributions/add/", views.contribution_add, name="contribution_add"),
    path("contributions/<int:contribution_id>/", views.contribution_edit, name="contribution_edit"),
    path(
        "contributions/<int:contribution_id>/delete/",
        views.contribution_delete,
        name="contribution_delete",
    ),
    path("involvement/", views.involvement, name="involvement"),
    path(
        "involvement/<slug:party>/<int:stage_number>/",
        views.involvement_cell,
        name="involvement_cell",
    ),
    path("emphasis/", views.emphasis, name="emphasis"),
    path("emphasis/score/", views.emphasis_score, name="emphasis_score"),
]
