from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bujian.notifications.actions import retry_message
from bujian.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = ["created_at", "phone", "topic", "reference", "status", "attempts", "sent_at"]
    list_filter = ["status", "topic"]
    search_fields = ["reference", "phone"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Send the failed messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = sum(retry_message(outbox=outbox) for outbox in queryset)
        self.message_user(
            request, _("%(count)s message(s) queued again.") % {"count": count}, messages.SUCCESS
        )
