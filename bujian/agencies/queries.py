"""Reads of the catalog: the public search, and what staff may edit."""

from __future__ import annotations

import re

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Requirement, Service

# Words a resident types around what they need ("Apa yang harus saya bawa untuk
# perpanjang SIM?"): they say nothing about which service is meant.
STOPWORDS = {
    "apa", "yang", "harus", "saya", "bawa", "dibawa", "membawa", "untuk", "buat", "di", "ke",
    "dan", "atau", "cara", "bagaimana", "gimana", "mau", "ingin", "syarat", "persyaratan",
    "dokumen", "apakah", "bisa", "dengan", "dari", "ini", "itu", "mengurus", "urus", "bikin",
    "membuat", "layanan", "berapa", "biaya", "kah", "nya", "the", "what", "do", "i", "to",
    "for", "how", "need", "bring", "a", "an", "my",
}  # fmt: skip
_WORD = re.compile(r"[\w/]+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    return [w for w in _WORD.findall(query.lower()) if w not in STOPWORDS and len(w) > 1]


def _haystack(service: Service) -> tuple[str, str]:
    """The service's own words (name, code, output) and the wider text around it."""
    own = " ".join([service.name, service.code, service.output_document]).lower()
    wider = " ".join(
        [
            service.description,
            service.agency.name,
            service.agency.short_name,
            " ".join(r.text for r in service.requirements.all()),
        ]
    ).lower()
    return own, wider


def _matches(term: str, text: str) -> bool:
    # "perpanjang" finds "perpanjangan"; "ktp" finds "ktp-el".
    return term in text or (len(term) > 5 and term[:-1] in text)


def catalog_services(agency_code: str | None = None) -> QuerySet[Service]:
    services = (
        Service.objects.active()
        .select_related("agency")
        .prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("position"))
        )
        .order_by("agency__kind", "agency__short_name", "code")
    )
    if agency_code:
        services = services.filter(agency__code=agency_code)
    return services


def search_services(query: str, agency_code: str | None = None) -> list[Service]:
    """Services that match every meaningful word of the query, best first: words in
    the service's own name count more than words in its agency or requirements."""
    terms = search_terms(query)
    services = list(catalog_services(agency_code))
    if not terms:
        return services
    scored: list[tuple[int, int, Service]] = []
    for index, service in enumerate(services):
        own, wider = _haystack(service)
        score = 0
        for term in terms:
            if _matches(term, own):
                score += 3
            elif _matches(term, wider):
                score += 1
            else:
                score = -1
                break
        if score > 0:
            scored.append((-score, index, service))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [service for _, _, service in scored]


def get_service(code: str) -> Service:
    service = catalog_services().filter(code=code).first()
    if service is None:
        raise Http404
    return service


def editable_agencies(user: User) -> QuerySet[Agency]:
    """Program admins edit every agency of their regency; agency operators their own."""
    agencies = Agency.objects.prefetch_related("services")
    if user.is_superuser:
        return agencies
    if user.is_program_admin:
        return agencies.filter(regencies=user.regency_id)
    if user.is_agency_operator:
        return agencies.filter(pk__in=user.agencies.all())
    return agencies.none()


def readable_agencies(user: User) -> QuerySet[Agency]:
    if user.is_leadership or user.is_village_operator:
        return Agency.objects.prefetch_related("services").filter(regencies=user.regency_id)
    return editable_agencies(user)


def get_agency_for_edit(user: User, code: str) -> Agency:
    agency = editable_agencies(user).filter(code=code).first()
    if agency is None:
        raise Http404
    return agency


def get_service_for_edit(user: User, code: str) -> Service:
    service = (
        Service.objects.select_related("agency")
        .filter(code=code, agency__in=editable_agencies(user))
        .first()
    )
    if service is None:
        raise Http404
    return service
