"""Site-wide template filters: Indonesian money and dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django import template
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def format_rupiah(amount: int | None) -> str:
    """``80000`` → ``Rp80.000``: the spelling of Indonesian official documents."""
    if amount is None:
        return ""
    grouped = f"{int(amount):,}".replace(",", ".")
    return f"Rp{grouped}"


@register.filter
def rupiah(amount: int | None) -> str:
    return format_rupiah(amount)


@register.filter
def long_date(value: dt.date | dt.datetime | None) -> str:
    """``Kamis, 10 Juni 2027`` in Indonesian, ``Thursday, 10 June 2027`` in English."""
    if value is None:
        return ""
    return formats.date_format(value, "l, j F Y")


@register.filter
def date_range(start: dt.date, end: dt.date) -> str:
    if start == end:
        return long_date(start)
    return _("%(start)s to %(end)s") % {"start": long_date(start), "end": long_date(end)}


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    """``progress|get_item:visit.pk`` — a dict lookup with a variable key."""
    return mapping.get(key) if mapping else None


def qr_svg_markup(data: object, *, scale: int = 3, border: int = 2, **options: Any) -> SafeString:
    """An inline SVG QR code of ``data``, drawn on the server (no script, no request
    leaves the hall). Error level M survives a smudged thermal print."""
    svg = segno.make(str(data), error="m").svg_inline(scale=scale, border=border, **options)
    return mark_safe(svg)  # segno builds the SVG itself from our own short text


@register.filter
def qr_svg(data: object, scale: int = 3) -> SafeString:
    """``{{ registration.uuid|qr_svg:2 }}``."""
    return qr_svg_markup(data, scale=scale)
