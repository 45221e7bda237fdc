"""Django admin for operators: read the repertory, correct labels, and import framework files."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repertory import api, search
from repertory.data import IMPORT_FORMATS, Format
from repertory.importers.source import too_large
from repertory.models import Competence, Framework, FrameworkVersion

# Imported data is corrected by importing a new version; in the admin only the wording may be touched.
EDITABLE = ("label_it", "label_en", "description_it", "description_en", "alt_labels_it", "alt_labels_en", "eqf_level")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV or .xlsx for the CSV formats, .json for CASE, a .zip of the ESCO CSV files for ESCO."
        ),
    )
    source_format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[(value, Format(value).label) for value in IMPORT_FORMATS]
    )
    encoding = forms.CharField(
        label=gettext_lazy("Encoding"),
        initial="auto",
        help_text=gettext_lazy("auto reads UTF-8 (with or without BOM) and Windows-1252."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of single-language files"),
        choices=[("it", gettext_lazy("Italian")), ("en", gettext_lazy("English"))],
    )
    version = forms.CharField(
        label=gettext_lazy("Version label"),
        required=False,
        help_text=gettext_lazy("Only when the file does not give one."),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Only check, do not write"), required=False, initial=True)


class FrameworkVersionInline(admin.TabularInline):
    model = FrameworkVersion
    extra = 0
    can_delete = False
    fields = ("version", "imported_at", "source_format", "source_name", "added", "changed", "retired", "restored")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "version", "live_nodes", "source_format", "updated_at")
    search_fields = ("code", "title_it", "title_en", "uri")
    readonly_fields = ("code", "uri", "source_format", "created_at", "updated_at")
    inlines = [FrameworkVersionInline]
    change_list_template = "admin/repertory/framework/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(live=Count("competences", filter=Q(competences__retired=False)))

    @admin.display(description=gettext_lazy("live nodes"), ordering="live")
    def live_nodes(self, framework: Framework) -> int:
        return framework.live

    def has_add_permission(self, request) -> bool:
        return False  # frameworks arrive by import

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # evidence may point at their nodes

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="repertory_framework_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.has_perm("repertory.change_framework"):
            messages.error(request, _("You may not import frameworks."))
            return redirect("admin:index")
        report = problems = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > settings.TOSCA_REPERTORY_MAX_IMPORT_BYTES:
                    raise too_large(upload.name, upload.size)
                report = api.import_framework(
                    upload.read(),
                    name=upload.name,
                    source_format=form.cleaned_data["source_format"],
                    encoding=form.cleaned_data["encoding"] or "auto",
                    language=form.cleaned_data["language"],
                    version=form.cleaned_data["version"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except api.ImportRejected as rejected:
                problems = [str(problem) for problem in rejected.problems]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a framework"),
            "form": form,
            "report": report,
            "problems": problems,
            "changelist_url": reverse("admin:repertory_framework_changelist"),
        }
        return render(request, "admin/repertory/framework/import.html", context)


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ("code", "label_it", "kind", "eqf_level", "framework", "retired")
    list_filter = ("framework", "kind", "retired")
    search_fields = ("code", "label_it", "label_en", "uri")
    list_select_related = ("framework",)
    readonly_fields = (
        "framework",
        "uri",
        "code",
        "kind",
        "source_type",
        "parent",
        "position",
        "retired",
        "introduced_in",
        "retired_in",
    )
    fields = (*readonly_fields, *EDITABLE)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @transaction.atomic
    def save_model(self, request, obj: Competence, form, change) -> None:
        # The framework's file stays the source of truth: forgetting the fingerprint makes the next import of
        # any version put the file's wording back (and report the node as changed), rather than keep a
        # correction that a later, unrelated change to the node would silently overwrite anyway.
        obj.fingerprint = ""
        super().save_model(request, obj, form, change)
        search.unindex([obj.pk])
        search.index([obj])

    def render_change_form(self, request, context, *args, **kwargs):
        context["subtitle"] = _(
            "Corrections made here last until the framework is imported again: the file's wording then returns. "
            "Fix the source file too."
        )
        return super().render_change_form(request, context, *args, **kwargs)
