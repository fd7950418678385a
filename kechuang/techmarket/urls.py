from django.urls import path

from . import views

urlpatterns = [
    path("", views.contract_list, name="techmarket_contracts"),
    path("export/", views.contract_export, name="techmarket_contract_export"),
    path("new/", views.contract_new, name="techmarket_contract_new"),
    path("import/", views.contract_import, name="techmarket_contract_import"),
    path("<int:pk>/", views.contract_detail, name="techmarket_contract"),
    path("<int:pk>/edit/", views.contract_edit, name="techmarket_contract_edit"),
    path("<int:pk>/<str:action>/", views.contract_action, name="techmarket_contract_action"),
    path("stats/", views.stats, name="techmarket_stats"),
    path("stats/export/", views.stats_export, name="techmarket_stats_export"),
    path("brokers/", views.brokers, name="techmarket_brokers"),
    path("results/", views.results, name="techmarket_results"),
]
