from django.contrib.auth import views as auth_views
from django.urls import path

from coproduce.accounts import invitation_views, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.ChangePasswordView.as_view(), name="password_change"),
    path("password/changed/", views.PasswordChangedView.as_view(), name="password_changed"),
    path("me/equity/", views.my_equity, name="my_equity"),
    path("people/<int:person_id>/equity/", views.equity_edit, name="equity"),
    path("invitations/", invitation_views.invitation_list, name="invitations"),
    path("invitations/<int:invitation_id>/", invitation_views.invitation_detail, name="invitation"),
    path(
        "invitations/<int:invitation_id>/accept/",
        invitation_views.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        invitation_views.invitation_decline,
        name="invitation_decline",
    ),
    path(
        "invitations/<int:invitation_id>/withdraw/",
        invitation_views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "memberships/<int:org_membership_id>/sharing/",
        invitation_views.membership_sharing,
        name="membership_sharing",
    ),
    path(
        "memberships/<int:org_membership_id>/leave/",
        invitation_views.membership_leave,
        name="membership_leave",
    ),
]
