"""Admin for the records the pages do not edit yet (collaborations, declared conflicts), with history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Collaboration, DeclaredConflict, Expert, ExpertField, SelectionRound


class ExpertFieldInline(admin.TabularInline):
    model = ExpertField
    extra = 0


class CollaborationInline(admin.TabularInline):
    model = Collaboration
    extra = 0


@admin.register(Expert)
class ExpertAdmin(SimpleHistoryAdmin):
    list_display = ("name", "organisation", "district", "title", "status", "available", "integrity")
    list_filter = ("status", "title", "integrity", "available", "district")
    search_fields = ("name", "organisation__name", "keywords")
    raw_id_fields = ("user", "organisation")
    inlines = [ExpertFieldInline, CollaborationInline]


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(SimpleHistoryAdmin):
    list_display = ("expert", "organisation_name", "item", "reason", "created_at")
    raw_id_fields = ("expert", "item", "declared_by")


@admin.register(SelectionRound)
class SelectionRoundAdmin(SimpleHistoryAdmin):
    list_display = ("name", "rule", "status", "created_at", "locked_at")
    readonly_fields = ("status", "seed", "locked_by", "locked_at", "run_at")
