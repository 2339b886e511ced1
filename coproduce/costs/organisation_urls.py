from django.urls import path

from coproduce.costs import views

app_name = "organisation_costs"
urlpatterns = [
    path("rates/", views.rate_card, name="rates"),
    path("rates/add/", views.rate_edit, name="rate_add"),
    path("rates/<int:rate_id>/", views.rate_edit, name="rate_edit"),
    path("rates/copy-defaults/", views.rate_copy_defaults, name="rate_copy_defaults"),
    path("thresholds/add/", views.threshold_edit, name="threshold_add"),
    path("thresholds/<int:threshold_id>/", views.threshold_edit, name="threshold_edit"),
    path("disclosure/", views.disclosure_edit, name="disclosure"),
    path("burden/", views.organisation_burden, name="burden"),
]
