from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User


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
