from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import ApiToken, User


class RegistrationForm(UserCreationForm):
    email = forms.EmailField(
        help_text="Used to recover your account. Never shown to other people.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email address already exists. Sign in instead?",
                code="duplicate_email",
            )
        return email


class NotificationSettingsForm(forms.ModelForm):
    """Which emails the person gets; the moderation digest is for staff only."""

    class Meta:
        model = User
        fields = ("notify_analysis_failed", "notify_link_expiring", "notify_moderation")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_staff:
            del self.fields["notify_moderation"]


class AccountDeletionForm(forms.Form):
    """The owner proves it is them: their password, or for an account without one (single
    sign-on) a sign-in at the provider moments ago."""

    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return ""

    def clean(self):
        data = super().clean()
        if "password" not in self.fields and not self.user.signed_in_recently():
            raise forms.ValidationError("Sign in again with the identity provider first, then delete.", code="stale")
        return data


class ApiTokenForm(forms.ModelForm):
    """A new personal API token: what it is for, what it may do, how long it lasts."""

    VALIDITY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "No expiry")]
    valid_days = forms.TypedChoiceField(
        label="Expires after", choices=VALIDITY_CHOICES, coerce=int, empty_value=None, initial="90", required=False,
    )

    class Meta:
        model = ApiToken
        fields = ("name", "scope")
