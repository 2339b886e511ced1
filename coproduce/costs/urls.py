from django.urls import path

from coproduce.costs import views

app_name = "costs"
urlpatterns = [
    path("costs/", views.budget, name="budget"),
    path("costs/add/", views.cost_item_add, name="cost_item_add"),
    path("costs/<int:item_id>/", views.cost_item_edit, name="cost_item_edit"),
    path("costs/<int:item_id>/delete/", views.cost_item_delete, name="cost_item_delete"),
    path("costs/payments/add/", views.payment_add, name="payment_add"),
    path("costs/export/", views.export_file, name="export"),
    path("costs/import/", views.import_upload, name="import"),
    path("costs/import/confirm/", views.import_confirm, name="import_confirm"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/add/", views.activity_add, name="activity_add"),
    path("activities/<int:activity_id>/", views.activity_edit, name="activity_edit"),
    path("activities/<int:activity_id>/delete/", views.activity_delete, name="activity_delete"),
    path("time/add/", views.time_entry_add, name="time_entry_add"),
    path("burden/", views.burden, name="burden"),
    path("my-record/", views.my_record, name="my_record"),
    path("terms/", views.terms, name="terms"),
    path("terms/<int:membership_id>/", views.terms_edit, name="terms_edit"),
]
