from django.urls import path

from . import views

urlpatterns = [
    path("", views.expert_list, name="expert_list"),
    path("export.xlsx", views.expert_export, name="expert_export"),
    path("<int:pk>/", views.expert_detail, name="expert_detail"),
    path("import/", views.expert_import, name="expert_import"),
    path("import/<int:pk>/report.xlsx", views.import_report, name="expert_import_report"),
    path("import/template.xlsx", views.expert_template, name="expert_template"),
    path("me/", views.my_profile, name="expert_my_profile"),
    path("my/", views.my_assignments, name="expert_my_assignments"),
    path("my/<int:pk>/declare/", views.my_declare, name="expert_my_declare"),
    path("my/<int:pk>/", views.my_item, name="expert_my_item"),
    path("rounds/", views.round_list, name="expert_rounds"),
    path("rounds/new/", views.round_edit, name="expert_round_new"),
    path("rounds/items-template.xlsx", views.item_template, name="expert_item_template"),
    path("rounds/<int:pk>/", views.round_detail, name="expert_round"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="expert_round_edit"),
    path("rounds/<int:pk>/status/", views.round_status, name="expert_round_status"),
    path("rounds/<int:pk>/run/", views.round_run, name="expert_round_run"),
    path("rounds/<int:pk>/lock/", views.round_lock, name="expert_round_lock"),
    path("rounds/<int:pk>/seats/<int:seat>/replace/", views.round_replace, name="expert_round_replace"),
    path("rounds/<int:pk>/replay/", views.round_replay, name="expert_round_replay"),
    path("rounds/<int:pk>/items/", views.round_items_import, name="expert_round_items"),
    path("rounds/<int:pk>/record.pdf", views.round_pdf, name="expert_round_pdf"),
]
