from django.urls import path

from . import views

urlpatterns = [
    path("", views.platform_list, name="platforms_list"),
    path("new/", views.platform_edit, name="platforms_new"),
    path("export.xlsx", views.platform_export, name="platforms_export"),
    path("chart/", views.platform_chart, name="platforms_chart"),
    path("import/", views.platform_import, name="platforms_import"),
    path("import/template.xlsx", views.platform_template, name="platforms_template"),
    path("recognition/", views.recognition, name="platforms_recognition"),
    path("<int:pk>/", views.platform_detail, name="platforms_detail"),
    path("<int:pk>/edit/", views.platform_edit, name="platforms_edit"),
    path("<int:pk>/withdraw/", views.platform_withdraw, name="platforms_withdraw"),
    path("incubators/", views.incubator_list, name="platforms_incubators"),
    path("incubators/new/", views.incubator_edit, name="platforms_incubator_new"),
    path("incubators/export.xlsx", views.incubator_export, name="platforms_incubator_export"),
    path("incubators/<int:pk>/", views.incubator_detail, name="platforms_incubator_detail"),
    path("incubators/<int:pk>/edit/", views.incubator_edit, name="platforms_incubator_edit"),
    path("tenants/<int:pk>/graduate/", views.tenant_graduate, name="platforms_tenant_graduate"),
    path("reports/", views.report_list, name="platforms_reports"),
    path("reports/export.xlsx", views.report_export, name="platforms_report_export"),
    path("reports/<int:pk>/", views.report_detail, name="platforms_report_detail"),
    path("reports/<int:pk>/review/", views.report_review, name="platforms_report_review"),
    path("system/", views.evaluation_system, name="platforms_system"),
]
