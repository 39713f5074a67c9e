from __future__ import annotations

from typing import Any

import factory

from bujian.agencies.models import Agency, Requirement, Service
from bujian.regions.tests.factories import RegencyFactory


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Dinas Contoh {n}")
    short_name = factory.Sequence(lambda n: f"Dinas {n}")
    kind = Agency.Kind.OPD

    @factory.post_generation
    def regencies(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        self.regencies.add(*(extracted or [RegencyFactory()]))


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    class Meta:
        model = Service
        django_get_or_create = ["code"]

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"SVC-{n}")
    name = factory.Sequence(lambda n: f"Layanan {n}")


class RequirementFactory(factory.django.DjangoModelFactory[Requirement]):
    class Meta:
        model = Requirement

    service = factory.SubFactory(ServiceFactory)
    position = factory.Sequence(lambda n: n)
    text = "KTP-el asli"
