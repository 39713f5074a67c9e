from __future__ import annotations

from typing import Any

import factory

from bujian.accounts.models import User
from bujian.regions.tests.factories import RegencyFactory

TEST_PASSWORD = "rahasia-uji-123"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Staf {n}")
    password = factory.django.Password(TEST_PASSWORD)
    role = User.Role.PROGRAM_ADMIN
    regency = factory.SubFactory(RegencyFactory)

    @factory.post_generation
    def agencies(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.agencies.add(*extracted)
