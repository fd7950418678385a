from django.urls import path

from . import views, views_import

urlpatterns = [
    path("", views.enterprise_list, name="enterprise_list"),
    path("export.xlsx", views.enterprise_export, name="enterprise_export"),
    path("<int:pk>/", views.enterprise_profile, name="enterprise_profile"),
    path("import/", views_import.facts_import, name="facts_import"),
    path("import/template.<str:fmt>", views_import.facts_template, name="facts_template"),
    path("import/<int:pk>/report.xlsx", views_import.import_report, name="import_report"),
]
