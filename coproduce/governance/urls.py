from django.urls import path

from coproduce.governance import views

app_name = "governance"
urlpatterns = [
    path("charter/", views.charter, name="charter"),
    path("charter/start/", views.charter_start, name="charter_start"),
    path("charter/edit/", views.charter_edit, name="charter_edit"),
    path("charter/history/", views.charter_history, name="charter_history"),
    path(
        "charter/versions/<int:number>/acknowledge/",
        views.charter_acknowledge,
        name="charter_acknowledge",
    ),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/add/", views.decision_add, name="decision_add"),
    path("decisions/<int:decision_id>/", views.decision_edit, name="decision_edit"),
    path("voice/", views.voice_page, name="voice"),
]
