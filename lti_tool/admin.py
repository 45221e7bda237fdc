from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lti_tool.models import Deployment, PlatformLearner, Registration, ToolKey


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 1


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "issuer", "client_id", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "issuer", "client_id")
    readonly_fields = ("uuid", "created_at")
    inlines = [DeploymentInline]


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    list_display = ("kid", "state", "created_at", "changed_at")
    fields = ("kid", "state", "public_jwk", "created_at", "changed_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # keys are made and rotated by `tosca lti rotate-keys`


@admin.register(PlatformLearner)
class PlatformLearnerAdmin(admin.ModelAdmin):
    list_display = ("sub", "issuer", "deployment_id", "user", "name")
    search_fields = ("sub", "issuer", "name")
    readonly_fields = ("issuer", "deployment_id", "sub", "user")
    verbose_name = _("platform learner")
