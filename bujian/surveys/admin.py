"""Admin of the questionnaire versions (a new wording is a new version) and a
read-only view of the responses: answers are never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from bujian.surveys.models import Element, Questionnaire, SurveyResponse


class ElementInline(admin.TabularInline[Element, Questionnaire]):
    model = Element
    extra = 0
    fields = ["position", "code", "name", "question", "label_1", "label_2", "label_3", "label_4"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A version that has answers keeps its wording: those answers were given on it.
        return obj is None or not obj.responses.exists()


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin[Questionnaire]):
    list_display = ["version", "title", "legal_basis", "is_current", "created_at"]
    inlines = [ElementInline]

    def has_delete_permission(self, request: HttpRequest, obj: Questionnaire | None = None) -> bool:
        return obj is None or not obj.responses.exists()


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin[SurveyResponse]):
    list_display = ["day", "visit", "agency", "service", "channel", "session", "created_at"]
    list_filter = ["channel", "session", "agency"]
    list_select_related = ["visit__village", "agency", "service"]
    date_hierarchy = "day"
    readonly_fields = [f.name for f in SurveyResponse._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: SurveyResponse | None = None
    ) -> bool:
        return False
