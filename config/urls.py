from django.urls import include, path

urlpatterns = [
    path("", include("coproduce.core.urls")),
    path("accounts/", include("coproduce.accounts.urls")),
    path("organisations/", include("coproduce.accounts.organisation_urls")),
    path("catalogue/", include("coproduce.catalogue.urls")),
    path("projects/", include("coproduce.projects.urls")),
    path("projects/<int:project_id>/", include("coproduce.planning.urls")),
    path("projects/<int:project_id>/", include("coproduce.costs.urls")),
    path("projects/<int:project_id>/", include("coproduce.risks.urls")),
    path("projects/<int:project_id>/", include("coproduce.governance.urls")),
    path("projects/<int:project_id>/", include("coproduce.integrity.urls")),
    path("projects/<int:project_id>/", include("coproduce.participants.urls")),
    path("organisations/<int:organisation_id>/", include("coproduce.costs.organisation_urls")),
]
