from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import Action, audit_record


@receiver(user_logged_in, dispatch_uid="audit_signed_in")
def record_sign_in(sender, request, user, **kwargs):
    backend = getattr(user, "backend", "") or ""
    audit_record(Action.SIGNED_IN, account=user, actor=user, request=request,
                 details={"by": "single sign-on" if "OIDC" in backend else "password"})


@receiver(user_logged_out, dispatch_uid="audit_signed_out")
def record_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(Action.SIGNED_OUT, account=user, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    """The name that was tried (never the password), and its account when there is one."""
    tried = str(credentials.get("username") or "")[:150]
    account = get_user_model().objects.filter(username=tried).first() if tried else None
    audit_record(Action.SIGN_IN_FAILED, account=account, target=tried, request=request)
