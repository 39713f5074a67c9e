"""The public status page's read of one visit ticket, in SQL written once per process.

Phones poll the page every 10 seconds; on a busy day most polls find the visit's
board version moved and read the ticket again. The ORM spent more time compiling
that seven-table ``select_related`` query than the database spent answering it
(bujian/core/sql.py explains the pattern). This is the same read as one statement:
the visit ticket with its visit, village and regency, each of its booth tickets
(transferred ones left out) with booth, participation and agency, whether each has a
survey answer, and the resident's full name only (no NIK, no other personal data).
A visit ticket without booth tickets is one row with the ticket columns empty.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from bujian.agencies.models import Agency
from bujian.core import sql
from bujian.queueing.models import Ticket, VisitTicket
from bujian.regions.models import Regency, Village
from bujian.residents.models import Resident
from bujian.surveys.models import SurveyResponse
from bujian.visits.models import Booth, Participation, Visit

_VISIT_TICKET = sql.Columns(VisitTicket, "vt")
_VISIT = sql.Columns(Visit, "v")
_VILLAGE = sql.Columns(Village, "vl")
_REGENCY = sql.Columns(Regency, "r")
_TICKET = sql.Columns(Ticket, "t")
_BOOTH = sql.Columns(Booth, "b")
_PARTICIPATION = sql.Columns(Participation, "p")
_AGENCY = sql.Columns(Agency, "a")


@dataclass
class StatusRows:
    visit_ticket: VisitTicket  # with visit, village and regency
    full_name: str
    tickets: list[Ticket]  # with booth, participation and agency; ordered as the page
    answered: frozenset[int]  # ids of the tickets whose survey is answered


@functools.cache
def _status_sql() -> str:
    def ticket(name: str) -> str:
        return f"t.{sql.column(Ticket, name)}"

    return (
        f"SELECT {_VISIT_TICKET.sql}, {_VISIT.sql}, {_VILLAGE.sql}, {_REGENCY.sql}, "  # noqa: S608 -- names from the models, values as parameters
        f"rs.{sql.column(Resident, 'full_name')}, "
        f"{_TICKET.sql}, {_BOOTH.sql}, {_PARTICIPATION.sql}, {_AGENCY.sql}, "
        f"EXISTS (SELECT 1 FROM {sql.table(SurveyResponse)} s "
        f"WHERE s.{sql.column(SurveyResponse, 'ticket')} = t.id) "
        f"FROM {sql.table(VisitTicket)} vt "
        f"JOIN {sql.table(Visit)} v ON v.id = vt.{sql.column(VisitTicket, 'visit')} "
        f"JOIN {sql.table(Village)} vl ON vl.id = v.{sql.column(Visit, 'village')} "
        f"JOIN {sql.table(Regency)} r ON r.id = v.{sql.column(Visit, 'regency')} "
        f"JOIN {sql.table(Resident)} rs ON rs.id = vt.{sql.column(VisitTicket, 'resident')} "
        f"LEFT JOIN {sql.table(Ticket)} t ON {ticket('visit_ticket')} = vt.id "
        f"AND {ticket('status')} <> %s "
        f"LEFT JOIN {sql.table(Booth)} b ON b.id = {ticket('booth')} "
        f"LEFT JOIN {sql.table(Participation)} p ON p.id = b.{sql.column(Booth, 'participation')} "
        f"LEFT JOIN {sql.table(Agency)} a ON a.id = p.{sql.column(Participation, 'agency')} "
        f"WHERE vt.{sql.column(VisitTicket, 'uuid')} = %s "
        f"ORDER BY b.{sql.column(Booth, 'prefix')}, {ticket('day')}, {ticket('number')}"
    )


def read_status(ticket_uuid: uuid.UUID) -> StatusRows | None:
    """The visit ticket behind a QR and its booth tickets; None for an unknown one."""
    rows = sql.fetch(
        _status_sql(),
        [
            sql.param(Ticket, "status", Ticket.Status.TRANSFERRED),
            sql.param(VisitTicket, "uuid", ticket_uuid),
        ],
    )
    if not rows:
        return None
    first = rows[0]
    visit_ticket = _VISIT_TICKET.build(first)
    at = len(_VISIT_TICKET)
    visit = _VISIT.build(first, at)
    at += len(_VISIT)
    visit.village = _VILLAGE.build(first, at)
    at += len(_VILLAGE)
    visit.regency = _REGENCY.build(first, at)
    at += len(_REGENCY)
    visit_ticket.visit = visit
    full_name = str(first[at] or "")
    at += 1
    ticket_id = at + _TICKET.attnames.index("id")
    tickets: list[Ticket] = []
    answered: set[int] = set()
    booths: dict[int, Booth] = {}
    for row in rows:
        if row[ticket_id] is None:
            continue  # the visit ticket has no booth ticket (the one row of the LEFT JOIN)
        start = at
        ticket = _TICKET.build(row, start)
        start += len(_TICKET)
        booth = booths.get(ticket.booth_id)
        if booth is None:
            booth = _BOOTH.build(row, start)
            participation = _PARTICIPATION.build(row, start + len(_BOOTH))
            participation.agency = _AGENCY.build(row, start + len(_BOOTH) + len(_PARTICIPATION))
            participation.visit = visit
            booth.participation, booth.visit = participation, visit
            booths[booth.pk] = booth
        ticket.booth = booth
        ticket.visit_ticket = visit_ticket
        if row[-1]:
            answered.add(ticket.pk)
        tickets.append(ticket)
    return StatusRows(
        visit_ticket=visit_ticket,
        full_name=full_name,
        tickets=tickets,
        answered=frozenset(answered),
    )
