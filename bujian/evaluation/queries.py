"""Reads of the evaluation pages, with the access scope of each role."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from bujian.accounts.models import User
from bujian.accounts.permissions import staff_regency
from bujian.evaluation.models import IndicatorSet, ReportLetterhead
from bujian.regions.models import Regency
from bujian.visits.models import Visit
from bujian.visits.queries import CLOSED_STATES, get_visit_for_staff, visible_visits


def report_scope(user: User) -> frozenset[int] | None:
    """The agencies whose parts of a report the user reads: None for the whole report
    (program admins and leadership); an agency operator's agencies; 403 otherwise."""
    if user.sees_whole_regency:
        return None
    if user.is_agency_operator:
        return frozenset(user.agencies.values_list("pk", flat=True))
    raise PermissionDenied


def get_visit_for_report(user: User, pk: int) -> tuple[Visit, frozenset[int] | None]:
    """404 outside the user's scope; 403 for village operators."""
    visit = get_visit_for_staff(user, pk)
    return visit, report_scope(user)


def reportable_visits(user: User) -> QuerySet[Visit]:
    """Visits whose report the user may open: started ones, newest first."""
    report_scope(user)
    return (
        visible_visits(user)
        .filter(status__in=[Visit.Status.ONGOING, *CLOSED_STATES])
        .order_by("-start_date", "-id")
    )


def require_regency_reader(user: User) -> Regency:
    if not user.sees_whole_regency:
        raise PermissionDenied
    return staff_regency(user)


def letterhead_for(regency: Regency) -> ReportLetterhead:
    """The regency's letterhead, or a sensible unsaved default built from its name."""
    found = ReportLetterhead.objects.filter(regency=regency).first()
    if found is not None:
        return found
    kind = "KOTA" if regency.kind == Regency.Kind.KOTA else "KABUPATEN"
    name = regency.name.upper()
    if not name.startswith(("KABUPATEN ", "KOTA ")):
        name = f"{kind} {name}"
    return ReportLetterhead(
        regency=regency,
        government_name=f"PEMERINTAH {name}",
        office_name="BADAN PERENCANAAN PEMBANGUNAN DAERAH",
        city=regency.capital,
        signer_title="Kepala Bappeda",
    )


def imported_sets(regency: Regency) -> QuerySet[IndicatorSet]:
    return IndicatorSet.objects.filter(imported_for=regency).order_by(
        "source_regency_code", "start_date", "id"
    )
