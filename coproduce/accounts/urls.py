from django.contrib.auth import views as auth_views
from django.urls import path

from coproduce.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.ChangePasswordView.as_view(), name="password_change"),
    path("password/changed/", views.PasswordChangedView.as_view(), name="password_changed"),
    path("me/equity/", views.my_equity, name="my_equity"),
    path("people/<int:person_id>/equity/", views.equity_edit, name="equity"),
]
