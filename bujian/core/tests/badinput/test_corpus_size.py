"""The corpus cannot shrink without notice: at least 500 bad inputs in all, and each
kind of input keeps its share."""

from __future__ import annotations

from bujian.core.tests.badinput import test_api, test_files, test_forms
from bujian.core.tests.badinput.corpus import BODIES, JSON_VALUES, NIKS, NUMBERS, TEXTS


def test_the_corpus_has_at_least_500_cases() -> None:
    forms = len(test_forms.CASES)
    searches = len(test_forms.SEARCHES) * len(TEXTS)
    queries = len(test_forms.QUERIES) * (len(NUMBERS) + 2)
    files = len(test_files.WORKBOOKS) + len(test_files.PHOTOS)
    api = len(test_api.ENDPOINTS) * len(BODIES) + len(test_api.RESIDENT_FIELDS) * len(JSON_VALUES)
    assert forms >= 900
    assert files >= 30
    assert api >= 200
    assert forms + searches + queries + files + api >= 500
    assert len(NIKS) >= 25 and len(TEXTS) >= 25


def test_every_form_attacks_at_least_three_fields() -> None:
    for target in test_forms.TARGETS:
        assert len(target.fields) >= 2 if target.id == "login" else len(target.fields) >= 3
