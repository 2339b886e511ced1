from django.urls import path

from coproduce.participants import views

app_name = "participants"
urlpatterns = [
    path("participants/", views.counts, name="counts"),
    path("participants/register/", views.register, name="register"),
    path("participants/register/export/", views.register_export, name="export"),
    path("participants/add/", views.participant_add, name="add"),
    path("participants/access/", views.access_log, name="access_log"),
    path("participants/<int:participant_id>/", views.participant_detail, name="detail"),
    path("participants/<int:participant_id>/edit/", views.participant_edit, name="edit"),
    path(
        "participants/<int:participant_id>/withdraw/",
        views.participant_withdraw,
        name="withdraw",
    ),
]
