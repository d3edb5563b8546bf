from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from analysis.models import Face, Person
from analysis.people import user_set_face_recognition
from audit.models import AuditEntry
from gallery.models import Library
from pictura.forms_feedback import safe_next_url

from . import services
from .api_tokens import api_token_create, api_token_revoke
from .auth import provider_logout_url
from .deletion import account_request_deletion
from .export import library_export_chunks
from .forms import AccountDeletionForm, ApiTokenForm, NotificationSettingsForm, RegistrationForm
from .models import ApiToken
from .notifications import unsubscribe, unsubscribe_claim


def _registrations_rate(group, request):
    return f"{settings.PICTURA_REGISTRATIONS_PER_HOUR}/h"


@ratelimit(key="ip", rate=_registrations_rate, method="POST", block=True)
def register(request):
    if not settings.PICTURA_LOCAL_LOGIN:
        raise Http404("Accounts are created by signing in with the identity provider.")
    if request.user.is_authenticated:
        return redirect("gallery:index")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.email_verification_send(user=user, site_url=request.build_absolute_uri("/"))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            f"Welcome to Pictura, {user.username}! We sent a link to {user.email}: open it to "
            "confirm your address. Meanwhile, upload your first photos.",
        )
        return redirect("gallery:upload")
    return render(request, "accounts/register.html", {"form": form})


@require_GET
def verify_email(request, token):
    """The link from the confirmation email. It works signed in or not, in any browser."""
    try:
        user = services.email_verify(token)
    except services.EmailVerificationFailed as exc:
        return render(request, "accounts/verify_email_failed.html", {"reason": str(exc)}, status=400)
    messages.success(request, f"Thank you: {user.email} is confirmed.")
    return redirect("accounts:profile" if request.user == user else "accounts:login")


@login_required
@require_POST
@ratelimit(key="user", rate="3/h", block=True)
def send_verification(request):
    if request.user.email_verified:
        messages.info(request, "Your address is already confirmed.")
    else:
        services.email_verification_send(user=request.user, site_url=request.build_absolute_uri("/"))
        messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect("accounts:profile")


def locked_out(request, original_response=None, credentials=None):
    """django-axes answers with this once an account or an address has failed too often."""
    context = {
        "attempts": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


PROFILE_ACTIVITY_ENTRIES = 8


@login_required
def profile(request):
    ctx = {
        "library": Library.of(request.user.pk),
        "faces": Face.objects.of(request.user).count(),
        "people": Person.objects.of(request.user).exclude(name="").count(),
        "activity": AuditEntry.objects.concerning(request.user)[:PROFILE_ACTIVITY_ENTRIES],
        "notification_form": NotificationSettingsForm(instance=request.user),
        "api_tokens": ApiToken.objects.of(request.user),
        "api_token_form": ApiTokenForm(),
    }
    return render(request, "accounts/profile.html", ctx)


@login_required
@require_POST
def api_token_new(request):
    """Makes the token and shows its secret, this once: a page, not a redirect, so the secret
    never travels in a message cookie."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/api_token_new.html", {"form": form}, status=400)
    token, secret = api_token_create(owner=request.user, **form.cleaned_data)
    response = render(request, "accounts/api_token_new.html", {"token": token, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_delete(request, pk):
    token = get_object_or_404(ApiToken.objects.of(request.user), pk=pk)
    api_token_revoke(token=token)
    messages.success(request, f"Revoked the token “{token.name}”: it no longer works.")
    return redirect(reverse("accounts:profile") + "#api-tokens")


@login_required
@require_POST
def face_recognition(request):
    """The privacy switch: off deletes every face of the user's; on looks for them again."""
    enabled = request.POST.get("enabled") == "1"
    if enabled != request.user.face_recognition:
        user_set_face_recognition(user=request.user, enabled=enabled)
        if enabled:
            messages.success(request, "Face recognition is on: your photos are being looked at again for faces.")
        else:
            messages.success(request, "Face recognition is off: your faces, their pictures and your people are being deleted.")
    return redirect(reverse("accounts:profile") + "#faces")


@login_required
@ratelimit(key="user", rate="10/h", method="POST", block=True)  # guessing the password here is slow
def delete_account(request):
    """Delete my account: what goes, "download everything" first, then the password."""
    form = AccountDeletionForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        account_request_deletion(user=user)
        logout(request)
        said = f"Your account {user.username} is being deleted."
        if user.email:
            said += f" We will email {user.email} when everything is gone."
        messages.success(request, said)
        return redirect("accounts:login")
    ctx = {
        "form": form,
        "library": Library.of(request.user.pk),
        "albums": request.user.albums.count(),
        "links": request.user.share_links.count(),
        "reauthenticate": settings.PICTURA_OIDC_ENABLED and "password" not in form.fields
                          and not request.user.signed_in_recently(),
        "oidc_provider_name": settings.PICTURA_OIDC_PROVIDER_NAME,
        "audit_days": settings.PICTURA_AUDIT_DAYS,
    }
    return render(request, "accounts/delete_account.html", ctx)


@login_required
@require_GET
def export(request):
    """"Download everything": originals and pictura.json in one ZIP, streamed."""
    response = StreamingHttpResponse(library_export_chunks(request.user), content_type="application/zip")
    name = f"pictura-{request.user.username}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_POST
def notification_settings(request):
    form = NotificationSettingsForm(request.POST, instance=request.user)
    if form.is_valid():  # checkboxes: nothing to get wrong
        form.save()
        messages.success(request, "Your email settings were saved.")
    return redirect(reverse("accounts:profile") + "#notifications")


@csrf_exempt  # mail programs' one-click POST (RFC 8058) carries no CSRF token; the signature is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token):
    """The link in every notification email: GET asks (link checkers and previews open links
    without anyone clicking), POST turns that kind of email off, signed in or not."""
    claim = unsubscribe(token) if request.method == "POST" else unsubscribe_claim(token)
    if claim is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=400)
    user, digest = claim
    return render(request, "accounts/unsubscribe.html", {
        "token": token, "label": digest.label, "email": user.email, "done": request.method == "POST"})


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


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback, but the page it returns to is checked: its session
    refresh stores the raw path asked for, and ``//evil.example/x`` is a path to another host."""

    @property
    def success_url(self):
        default = resolve_url(settings.LOGIN_REDIRECT_URL)
        return safe_next_url(self.request, self.request.session.get("oidc_login_next"), default)


def oidc_only(view):
    """404 unless single sign-on is configured: unconfigured, nothing OIDC shows."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.PICTURA_OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapper
