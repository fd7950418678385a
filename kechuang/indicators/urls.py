from django.urls import path

from . import views

urlpatterns = [
    path("", views.cockpit, name="indicators_cockpit"),
    path("export.xlsx", views.cockpit_export, name="indicators_export"),
    path("recompute/", views.recompute, name="indicators_recompute"),
    path("recompute/<int:pk>/", views.recompute_status, name="indicators_recompute_status"),
    path("targets/", views.target_list, name="indicators_targets"),
    path("targets/template.xlsx", views.target_template, name="indicators_target_template"),
    path("targets/<int:pk>/split/", views.target_split, name="indicators_target_split"),
    path("reports/", views.report_list, name="indicators_reports"),
    path("reports/<int:pk>.<str:fmt>", views.report_file, name="indicators_report_file"),
]
