"""What a locked-out sign-in gets back: the sign-in form again, saying why, or JSON for the API."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

LOCKOUT_STATUS = 429


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        "Too many failed sign-in attempts for this username from your address. "
        f"Try again in {minutes} minutes, or ask support staff to unlock your account."
    )


def _locked_out_form(form_class, request: HttpRequest, username: str, message: str):
    """The sign-in form, bound, whose only error is the lockout (it checks no password)."""

    class LockedOutForm(form_class):
        def clean(self):
            raise ValidationError(message, code="locked_out")

    form = LockedOutForm(request, data={"username": username, "password": "-"})
    form.is_valid()
    return form


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Called by django-axes' middleware instead of its plain 403 page."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=LOCKOUT_STATUS)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    if request.path == reverse("admin:login"):
        form = _locked_out_form(AdminAuthenticationForm, request, username, message)
        context = {
            **admin.site.each_context(request),
            "title": "Log in",
            "app_path": request.get_full_path(),
            "form": form,
            "username": username,
        }
        return render(request, "admin/login.html", context, status=LOCKOUT_STATUS)
    form = _locked_out_form(AuthenticationForm, request, username, message)
    context = {"form": form, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=LOCKOUT_STATUS)
