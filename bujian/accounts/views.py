from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import user_has_device

from bujian.accounts import actions_otp
from bujian.accounts.forms import LoginForm, OtpCodeForm
from bujian.accounts.models import User
from bujian.core.templatetags.bujian import qr_svg_markup


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, credentials: object = None, *args: object, **kwargs: object
) -> HttpResponse:
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


WRONG_CODE_THROTTLED = gettext_lazy(
    "The code is wrong or has expired. After several wrong codes, wait a little first."
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR (or type the secret), enter a code."""
    user = _user(request)
    if user_has_device(user, confirmed=True) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': _next(request)})}")
    device = actions_otp.pending_device(user)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions_otp.confirm_device(
            request=request, user=user, device=device, code=form.cleaned_data["code"]
        ):
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect(_next(request))
        form.add_error("code", WRONG_CODE_THROTTLED)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": qr_svg_markup(device.config_url, scale=4),
            "secret": actions_otp.secret_for_typing(device),
            "next": _next(request),
            "required": user.role in settings.BUJIAN_2FA_REQUIRED_ROLES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the authenticator app."""
    user = _user(request)
    if not user_has_device(user, confirmed=True):
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next(request)})}")
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions_otp.verify(request=request, user=user, code=form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", WRONG_CODE_THROTTLED)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, for users whose role does not require it."""
    user = _user(request)
    if user.role in settings.BUJIAN_2FA_REQUIRED_ROLES:
        raise PermissionDenied
    actions_otp.disable(user=user)
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("core:staff_home")
