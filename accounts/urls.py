from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from . import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("profile/face-recognition/", views.face_recognition, name="face_recognition"),
    path("profile/notifications/", views.notification_settings, name="notification_settings"),
    path("profile/api-tokens/", views.api_token_new, name="api_token_new"),
    path("profile/api-tokens/<int:pk>/revoke/", views.api_token_delete, name="api_token_revoke"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("delete/", views.delete_account, name="delete"),
    path("export/", views.export, name="export"),
    path("email/verify/<str:token>/", views.verify_email, name="verify_email"),
    path("email/send-link/", views.send_verification, name="send_verification"),
]

# mozilla-django-oidc reverses these names without a namespace (its session refresh does), so
# they are included at the top level of pictura/urls.py.
oidc_urlpatterns = [
    path("authenticate/", views.oidc_only(OIDCAuthenticationRequestView.as_view()), name="oidc_authentication_init"),
    path("callback/", views.oidc_only(views.OIDCCallbackView.as_view()), name="oidc_authentication_callback"),
    path("logout/", views.oidc_only(views.LogoutView.as_view()), name="oidc_logout"),
]
