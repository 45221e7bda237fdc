"""Forms of the site's own pages: creating an account and importing a course."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

MAX_COURSE_ARCHIVE_BYTES = 200 * 1024 * 1024


class RegistrationForm(UserCreationForm):
    """An account from an email address and a password: the address is the account's name, and one address
    makes one account."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=150,  # it becomes the username, which holds at most 150 characters
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text=_("You sign in with it; it is used for nothing else than recovering your account."),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("email",)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        users = get_user_model()._default_manager
        if users.filter(email__iexact=email).exists() or users.filter(username__iexact=email).exists():
            raise self.duplicate_message()
        return email

    @staticmethod
    def duplicate_message() -> forms.ValidationError:
        return forms.ValidationError(
            _("An account with this email address already exists: sign in, or use another address."),
            code="duplicate_email",
        )

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        user.username = user.email.lower()
        if commit:
            user.save()
        return user


class CourseImportForm(forms.Form):
    archive = forms.FileField(
        label=_("Course export (.tar.gz)"),
        help_text=_("A course exported from Open edX Studio, or by Tosca: at most 200 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".tar.gz,.tgz,application/gzip,application/x-tar"}),
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if archive.size > MAX_COURSE_ARCHIVE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)d MB: a course archive can be at most %(max)d MB.")
                % {"size": archive.size // (1024 * 1024), "max": MAX_COURSE_ARCHIVE_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return archive
