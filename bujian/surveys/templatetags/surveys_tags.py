"""Template tags of the survey: the survey line on the public queue status page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.db.models import Exists, OuterRef
from django.urls import reverse

from bujian.queueing.models import Ticket, VisitTicket
from bujian.surveys.models import Element, SurveyResponse
from bujian.surveys.stats import IkmResult

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_link(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    """``{"answered": bool, "url": str}`` for a finished booth ticket: the status page
    is polled, so it must stay cheap. The page's own state (``state``, a
    ``PublicStatus``) gives the uuid and the answered surveys, read with the tickets;
    elsewhere one indexed query."""
    state = context.get("state")
    holder = getattr(state, "visit_ticket", None)
    if isinstance(holder, VisitTicket) and holder.pk == ticket.visit_ticket_id:
        ticket_uuid = holder.uuid
        known = getattr(state, "answered", None)
        if isinstance(known, frozenset):
            answered = ticket.pk in known
        else:
            answered = SurveyResponse.objects.filter(ticket_id=ticket.pk).exists()
    else:
        row = (
            Ticket.objects.filter(pk=ticket.pk)
            .annotate(answered=Exists(SurveyResponse.objects.filter(ticket_id=OuterRef("pk"))))
            .values_list("visit_ticket__uuid", "answered")
            .first()
        )
        if row is None:
            return {"answered": False, "url": ""}
        ticket_uuid, answered = row
    return {
        "answered": answered,
        "url": reverse("surveys:public_form", args=[ticket_uuid, ticket.pk]),
    }


@register.filter
def element_rows(result: IkmResult | None, elements: Sequence[Element]) -> list[dict[str, Any]]:
    """The per-element lines of a result: code, name, NRR, weighted NRR and whether it
    is among the weakest (``{% for row in result|element_rows:elements %}``)."""
    if result is None:
        return []
    weak = set(result.weakest)
    weighted = result.weighted_nrr
    rows = []
    for index, value in enumerate(result.nrr):
        element = elements[index] if index < len(elements) else None
        rows.append(
            {
                "code": element.code if element else f"U{index + 1}",
                "name": element.name if element else "",
                "nrr": value,
                "weighted": weighted[index],
                "weak": index in weak,
                "rank": result.weakest.index(index) + 1 if index in weak else None,
            }
        )
    return rows
