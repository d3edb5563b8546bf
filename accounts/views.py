from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from gallery.models import Photo

from .forms import RegistrationForm


def register(request):
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
