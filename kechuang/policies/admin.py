from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Policy, PolicyCase, PolicyResult, PolicyRun, PolicyVersion


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "jurisdiction", "auto_grant", "current_version")
    search_fields = ("code", "name")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(SimpleHistoryAdmin):
    list_display = (
        "policy",
        "number",
        "label",
        "status",
        "effective_from",
        "effective_until",
        "published_at",
    )
    list_filter = ("status",)
    # Versions change only through the pages (save_draft / publish), which validate the declaration.
    readonly_fields = ("yaml_text", "status", "published_by", "published_at")


@admin.register(PolicyResult)
class PolicyResultAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "version", "fiscal_year", "status", "score", "is_current", "computed_at")
    list_filter = ("status", "is_current")
    raw_id_fields = ("enterprise", "version")


@admin.register(PolicyCase)
class PolicyCaseAdmin(SimpleHistoryAdmin):
    list_display = ("enterprise", "policy", "state", "auto_granted", "updated_at")
    list_filter = ("state", "policy")
    raw_id_fields = ("enterprise",)


@admin.register(PolicyRun)
class PolicyRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "status")
