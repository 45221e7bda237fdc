"""Operators watch evidence delivery here: what is pending, what was given up and why, and retry it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sync.data import State
from sync.models import Delivery, Evidence


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("destination", "state", "attempts", "next_attempt_at", "delivered_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    """Evidence is immutable: readable, never edited here."""

    list_display = ("id", "learner", "module", "platform", "completed_at", "score", "recorded_at")
    list_filter = ("platform",)
    search_fields = ("=id", "learner", "module")
    inlines = [DeliveryInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Evidence._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("evidence_id", "destination", "state", "attempts", "next_attempt_at", "short_error")
    list_filter = ("state", "destination")
    search_fields = ("=evidence__id", "evidence__learner", "last_error")
    actions = ["retry_now"]
    readonly_fields = (
        "evidence",
        "destination",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
        "created_at",
    )
    show_full_result_count = False

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, delivery: Delivery) -> str:
        return delivery.last_error[:120]

    @admin.action(description=gettext_lazy("Retry now (dead-lettered or waiting deliveries)"))
    def retry_now(self, request, queryset) -> None:
        count = queryset.exclude(state=State.DELIVERED).update(
            state=State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        messages.success(request, _("%(count)d deliveries will be retried at the next dispatch.") % {"count": count})

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
