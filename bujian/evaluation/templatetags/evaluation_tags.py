"""Filters of the comparison page: a program column's totals by indicator key."""

from __future__ import annotations

from django import template

from bujian.evaluation.indicators import ProgramColumn

register = template.Library()


@register.filter
def get_total(column: ProgramColumn, key: str) -> int:
    return column.total(key)


@register.filter
def get_per_visit(column: ProgramColumn, key: str) -> float | None:
    return column.per_visit(key)


@register.filter
def get_mean(column: ProgramColumn, key: str) -> float | None:
    return column.mean(key)
