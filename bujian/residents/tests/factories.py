from __future__ import annotations

import datetime as dt

import factory

from bujian.regions.tests.factories import VillageFactory
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import make_nik


class ResidentFactory(factory.django.DjangoModelFactory[Resident]):
    """A resident with a NIK valid for their kecamatan, birth date and sex."""

    class Meta:
        model = Resident
        django_get_or_create = ["national_id"]

    village = factory.SubFactory(VillageFactory)
    full_name = factory.Sequence(lambda n: f"Warga Contoh {n}")
    sex = Resident.Sex.MALE
    birth_date = dt.date(1985, 3, 14)
    birth_place = "Manna"
    national_id = factory.LazyAttributeSequence(
        lambda o, n: make_nik(o.village.district.code, o.birth_date, o.sex, n % 9999 + 1)
    )


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    class Meta:
        model = Registration

    resident = factory.SubFactory(ResidentFactory)
    visit = factory.SubFactory("bujian.visits.tests.factories.VisitFactory")
    source = Registration.Source.PRE_REGISTRATION
