"""Forms of the libretto pages: every field labelled, every error said in the learner's language."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from libretto.data import CurriculumKind

MAX_DOCUMENTS = 5
# The first bytes of each accepted file type: the browser's word for a file's type is not enough.
SIGNATURES = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)


class PeriodForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get(self.start_field), cleaned.get(self.end_field)
        if start and end and end < start:
            self.add_error(self.end_field, _("The end comes before the start."))
        return cleaned


class CurriculumItemForm(PeriodForm):
    start_field, end_field = "start", "end"
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CurriculumKind.choices)
    title = forms.CharField(label=gettext_lazy("Title or role"), max_length=255)
    organisation = forms.CharField(label=gettext_lazy("Organisation"), max_length=255, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Up to MAX_DOCUMENTS files, each a PDF, PNG or JPEG no larger than the configured limit."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_DOCUMENTS:
            raise forms.ValidationError(_("Attach at most %(count)d documents.") % {"count": MAX_DOCUMENTS})
        return [self._check(super(DocumentsField, self).clean(upload, initial)) for upload in files]

    @staticmethod
    def _check(upload):
        limit = settings.TOSCA_LIBRETTO_DOCUMENT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("“%(name)s” is %(size)s; each document may be at most %(limit)s.")
                % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        head = upload.read(16)
        upload.seek(0)
        declared = (upload.content_type or "").split(";")[0].strip().lower()
        kind = next((name for name, signatures in SIGNATURES.items() if head.startswith(signatures)), None)
        if kind is None or kind not in settings.TOSCA_LIBRETTO_DOCUMENT_TYPES or (declared and declared != kind):
            raise forms.ValidationError(_("“%(name)s” is not a PDF, PNG or JPEG file.") % {"name": upload.name})
        upload.content_type = kind
        return upload


class DeclarationForm(PeriodForm):
    start_field, end_field = "period_start", "period_end"
    competence = forms.CharField(widget=forms.HiddenInput, max_length=500)
    statement = forms.CharField(
        label=gettext_lazy("How you acquired this competence"),
        help_text=gettext_lazy("Where, when and doing what: an operator reads this to validate it."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    period_start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    documents = DocumentsField(
        label=gettext_lazy("Supporting documents"),
        required=False,
        help_text=gettext_lazy("PDF, PNG or JPEG, up to 5 files of 5 MB each."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Validate")), ("reject", gettext_lazy("Do not validate"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the holder"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the competence is not validated."))
        return cleaned


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that my libretto and everything in it will be deleted for good."),
    )
