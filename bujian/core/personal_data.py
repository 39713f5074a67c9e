"""Everything Bujian holds about one resident: the answer to an access request under
UU 27/2022 (the law gives 3 × 24 hours). Each app that keeps data about residents
contributes a section from its own ``personal_data.py`` (``section(resident)``), listed
in :data:`SECTION_MODULES`."""

from __future__ import annotations

import importlib
from typing import Any

from bujian.residents.models import Resident

SECTION_MODULES = (
    "bujian.residents.personal_data",
    "bujian.queueing.personal_data",
    "bujian.records.personal_data",
    "bujian.aspirations.personal_data",
)


def collect(resident: Resident) -> dict[str, Any]:
    """The resident's data, section by section, as plain JSON-ready values."""
    sections: dict[str, Any] = {}
    for name in SECTION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        title, content = module.section(resident)
        sections[title] = content
    return sections
