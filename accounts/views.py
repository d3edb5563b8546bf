from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from gallery.models import Photo

from .auth import provider_logout_url
from .forms import RegistrationForm


def register(request):
    if not settings.PICTURA_LOCAL_LOGIN:
        raise Http404("Accounts are created by signing in with the identity provider.")
    if request.user.is_authenticated:
        return redirect("gallery:index")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Pictura, {user.username}! Upload your first photos.")
        return redirect("gallery:upload")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def profile(request):
    ctx = {"totals": Photo.objects.owned_by(request.user).totals()}
    return render(request, "accounts/profile.html", ctx)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "local_login": settings.PICTURA_LOCAL_LOGIN,
            "oidc_enabled": settings.PICTURA_OIDC_ENABLED,
            "oidc_provider_name": settings.PICTURA_OIDC_PROVIDER_NAME,
            "sso_failed": self.request.GET.get("sso") == "failed",
        }


class LogoutView(auth_views.LogoutView):
    """Ends the Django session; a single sign-on user then goes through the provider's logout."""

    def post(self, request, *args, **kwargs):
        provider_url = provider_logout_url(request) if request.session.get("oidc_id_token") else None
        response = super().post(request, *args, **kwargs)
        return redirect(provider_url) if provider_url else response


def oidc_only(view):
    """404 unless single sign-on is configured: unconfigured, nothing OIDC shows."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.PICTURA_OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapper
