from __future__ import annotations

import datetime as dt

import factory

from bujian.regions.tests.factories import RegencyFactory, VillageFactory
from bujian.visits.models import Participation, Visit


class VisitFactory(factory.django.DjangoModelFactory[Visit]):
    """A visit row without the invitations; use actions.plan_visit to get those."""

    class Meta:
        model = Visit

    regency = factory.SubFactory(RegencyFactory)
    village = factory.SubFactory(VillageFactory)
    start_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=14))
    end_date = factory.LazyAttribute(lambda o: o.start_date)
    status = Visit.Status.ANNOUNCED


class ParticipationFactory(factory.django.DjangoModelFactory[Participation]):
    class Meta:
        model = Participation

    visit = factory.SubFactory(VisitFactory)
    agency = factory.SubFactory("bujian.agencies.tests.factories.AgencyFactory")
