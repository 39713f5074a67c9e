"""Numbers as the reports print them, the same on the page, in the PDF and in the
indicator files: Indonesian decimal commas in the active language."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats

from bujian.surveys.stats import IkmResult


def number(value: int | float | Decimal | None, places: int | None = None) -> str:
    if value is None:
        return "—"
    return str(formats.number_format(value, places, use_l10n=True))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{number(value, 1)}%"


def ikm_text(result: IkmResult | None) -> str:
    """``86,11 (B)`` or a dash."""
    if result is None:
        return "—"
    return f"{number(result.ikm, 2)} ({result.grade})"


def pdf_safe(text: object) -> str:
    """Helvetica in a PDF knows only Windows-1252; anything else would print as a box."""
    return str(text).encode("cp1252", "replace").decode("cp1252")
