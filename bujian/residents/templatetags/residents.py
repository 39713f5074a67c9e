"""``{% load residents %}``: ``{{ resident.national_id|masked }}`` → ``1701••••••••0003``."""

from __future__ import annotations

from django import template

from bujian.residents.nik import mask_nik

register = template.Library()


@register.filter
def masked(value: str | None) -> str:
    return mask_nik(value)


@register.filter
def missing_documents(need: object) -> list[object]:
    """Requirements of a needed service the resident has not ticked as present.
    Uses the prefetched ``service.requirements`` and ``documents_present``."""
    present = {r.pk for r in need.documents_present.all()}  # type: ignore[attr-defined]
    return [r for r in need.service.requirements.all() if r.pk not in present]  # type: ignore[attr-defined]
