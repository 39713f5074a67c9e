"""Retention of personal data (UU 27/2022, docs/data-pribadi.md).

Each app names what it keeps past its purpose as :class:`RetentionRule` objects in its
own ``retention.py`` (``RULES``), listed in :data:`RULE_MODULES`. ``manage.py
apply_retention`` runs them all in one transaction per rule, or only counts with
``--dry-run``, and writes one audit entry per rule that changed something.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from bujian.core.audit import record_audit

# Apps whose retention.py holds RULES, in the order they run.
RULE_MODULES = (
    "bujian.residents.retention",
    "bujian.aspirations.retention",
    "bujian.notifications.retention",
)


@dataclass(frozen=True)
class RetentionRule:
    """``apply(now, dry_run)`` returns how many records it erased (or would erase)."""

    code: str
    description: str
    apply: Callable[[dt.datetime, bool], int]


@dataclass(frozen=True)
class RetentionResult:
    rule: RetentionRule
    count: int


def rules() -> list[RetentionRule]:
    found: list[RetentionRule] = []
    for name in RULE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue  # that app keeps nothing past its purpose (yet)
        found.extend(module.RULES)
    return found


def apply_retention(*, now: dt.datetime, dry_run: bool) -> list[RetentionResult]:
    results = []
    for rule in rules():
        with transaction.atomic():
            count = rule.apply(now, dry_run)
            if count and not dry_run:
                record_audit(
                    actor=None,
                    action="core.retention.applied",
                    data={"rule": rule.code, "count": count},
                )
        results.append(RetentionResult(rule=rule, count=count))
    return results
