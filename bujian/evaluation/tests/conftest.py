from __future__ import annotations

import pytest

from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory
from bujian.evaluation.tests.builders import BuiltVisit, build_visit
from bujian.regions.models import Regency, Village


@pytest.fixture
def built(regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency) -> BuiltVisit:
    """A finished visit on Thursday 10 June 2027 (see ``builders.build_visit``)."""
    absent = AgencyFactory.create(code="perkim", short_name="Perkim", regencies=[regency])
    excused = AgencyFactory.create(code="dinsos", short_name="Dinsos", regencies=[regency])
    return build_visit(
        regency=regency,
        village=village,
        disdukcapil=disdukcapil,
        samsat=samsat,
        absent=absent,
        excused=excused,
    )
