from django.urls import path

from coproduce.risks import views

app_name = "risks"
urlpatterns = [
    path("risks/", views.register, name="register"),
    path("risks/add/", views.risk_add, name="risk_add"),
    path("risks/adopt/<int:stage_number>/", views.adopt, name="adopt"),
    path("risks/<int:risk_id>/", views.risk_detail, name="detail"),
    path("risks/<int:risk_id>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<int:risk_id>/review/", views.risk_review, name="review"),
    path("stage-gate/", views.stage_gate, name="stage_gate"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/estimates/", views.estimates, name="estimates"),
    path("forecast/runs/<int:run_id>/", views.forecast_run, name="run"),
    path("forecast/compare/", views.forecast_compare, name="compare"),
]
