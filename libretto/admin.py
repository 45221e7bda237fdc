"""Operators' view of the libretti: holders, entries, and the platforms allowed to write evidence."""

from __future__ import annotations

from django.contrib import admin

from libretto.models import ApiClient, CompetenceEntry, LearnerIdentity, Libretto


class IdentityInline(admin.TabularInline):
    model = LearnerIdentity
    extra = 0
    readonly_fields = ("platform", "subject")
    can_delete = False


class EntryInline(admin.TabularInline):
    model = CompetenceEntry
    extra = 0
    fields = ("competence_uri", "ambito", "status", "period_start", "period_end")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Libretto)
class LibrettoAdmin(admin.ModelAdmin):
    list_display = ("__str__", "holder", "created_at")
    search_fields = ("full_name", "holder__username", "identities__subject")
    readonly_fields = ("public_id", "holder", "created_at", "updated_at")
    inlines = [IdentityInline, EntryInline]

    def has_add_permission(self, request) -> bool:
        return False  # a libretto is opened by its holder or by evidence

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # only its holder deletes it (or deleting their account), so that nothing is left behind


@admin.register(CompetenceEntry)
class CompetenceEntryAdmin(admin.ModelAdmin):
    list_display = ("competence_uri", "libretto", "ambito", "status", "period_end")
    list_filter = ("status", "ambito")
    search_fields = ("competence_uri", "libretto__full_name")
    readonly_fields = ("libretto", "competence_uri", "ambito", "status", "decided_by", "decided_at", "created_at")
    fields = (*readonly_fields, "period_start", "period_end", "statement", "decision_note")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Tokens are created with `tosca libretto client add`: the admin can only revoke them."""

    list_display = ("name", "platform", "active", "created_at")
    list_filter = ("active",)
    fields = ("name", "platform", "active")
    readonly_fields = ("name", "platform")

    def has_add_permission(self, request) -> bool:
        return False
