"""Template helpers of the aspirations app."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from bujian.core.templatetags.bujian import qr_svg_markup

register = template.Library()


@register.simple_tag(takes_context=True)
def aspiration_form_url(context: dict[str, Any], visit: Any = None) -> str:
    """The absolute address of the public form, for the visit when given."""
    path = reverse("aspirations:submit")
    if visit is not None and getattr(visit, "pk", None):
        path += f"?kunjungan={visit.pk}"
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


@register.simple_tag(takes_context=True)
def aspiration_form_qr(context: dict[str, Any], visit: Any = None, scale: int = 2) -> SafeString:
    """An inline SVG QR code to the public form (printed tickets, posters)."""
    return qr_svg_markup(aspiration_form_url(context, visit), scale=scale)
