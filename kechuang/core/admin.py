from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import District, ImportRun, Notification, Organisation, Section, User


@admin.register(User)
class KechuangUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "display_name", "role", "district", "organisation", "is_active")
    list_filter = ("role", "district", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("角色与范围"), {"fields": ("display_name", "role", "section", "district", "organisation")}),
    )
    raw_id_fields = ("organisation",)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "uscc", "kind", "district")
    list_filter = ("kind", "district")
    search_fields = ("name", "uscc")


admin.site.register(District)
admin.site.register(Section)
admin.site.register(Notification)
admin.site.register(ImportRun)
