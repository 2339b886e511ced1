from django.urls import path

from coproduce.integrity import views

app_name = "integrity"
urlpatterns = [
    path("integrity/", views.register, name="register"),
    path("integrity/check/", views.check_chains, name="check"),
    path("findings/add/", views.finding_add, name="finding_add"),
    path("findings/<int:finding_id>/", views.finding_detail, name="finding"),
    path("findings/<int:finding_id>/revise/", views.finding_revise, name="finding_revise"),
    path("findings/<int:finding_id>/release/", views.finding_release, name="finding_release"),
    path("outputs/add/", views.output_add, name="output_add"),
    path("outputs/<int:output_id>/", views.output_detail, name="output"),
    path("outputs/<int:output_id>/download/", views.output_download, name="output_download"),
    path("outputs/<int:output_id>/revise/", views.output_revise, name="output_revise"),
    path("outputs/<int:output_id>/release/", views.output_release, name="output_release"),
    path(
        "outputs/<int:output_id>/early-release/",
        views.early_release_request,
        name="early_release_request",
    ),
    path(
        "outputs/<int:output_id>/early-release/<int:request_id>/",
        views.early_release_decide,
        name="early_release_decide",
    ),
    *(
        route
        for kind in ("finding", "output")
        for route in (
            path(
                f"{kind}s/<int:subject_id>/comment/",
                views.comment_add,
                {"kind": kind},
                name=f"{kind}_comment",
            ),
            path(
                f"{kind}s/<int:subject_id>/framing/",
                views.framing_request_add,
                {"kind": kind},
                name=f"{kind}_framing_request",
            ),
        )
    ),
    path("framing/<int:framing_id>/respond/", views.framing_respond, name="framing_respond"),
]
