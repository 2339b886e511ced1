from django.urls import path

from coproduce.accounts import organisation_views as views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("<int:organisation_id>/", views.organisation_detail, name="detail"),
    path("<int:organisation_id>/log/", views.organisation_log, name="log"),
    path("<int:organisation_id>/invite/", views.organisation_invite, name="invite"),
    path(
        "<int:organisation_id>/members/record/",
        views.organisation_member_record,
        name="member_record",
    ),
    path("<int:organisation_id>/equity/", views.organisation_equity, name="equity"),
    path(
        "<int:organisation_id>/members/<int:org_membership_id>/",
        views.organisation_member_edit,
        name="member_edit",
    ),
]
