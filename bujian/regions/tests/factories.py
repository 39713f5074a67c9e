from __future__ import annotations

import factory

from bujian.regions.models import District, Province, Regency, Village


class ProvinceFactory(factory.django.DjangoModelFactory[Province]):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = "17"
    name = "Bengkulu"


class RegencyFactory(factory.django.DjangoModelFactory[Regency]):
    class Meta:
        model = Regency
        django_get_or_create = ["code"]

    code = "17.01"
    name = "Kabupaten Bengkulu Selatan"
    province = factory.SubFactory(ProvinceFactory)
    program_name = "Buji'an Dusun"


class DistrictFactory(factory.django.DjangoModelFactory[District]):
    class Meta:
        model = District
        django_get_or_create = ["code"]

    regency = factory.SubFactory(RegencyFactory)
    code = factory.Sequence(lambda n: f"17.01.{n % 90 + 10:02d}")
    name = factory.Sequence(lambda n: f"Kecamatan {n}")


class VillageFactory(factory.django.DjangoModelFactory[Village]):
    class Meta:
        model = Village
        django_get_or_create = ["code"]

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district.code}.{2001 + n % 999}")
    name = factory.Sequence(lambda n: f"Desa {n}")
    kind = Village.Kind.DESA
    postal_code = "38552"
