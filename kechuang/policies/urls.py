from django.urls import path

from . import views

urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("new/", views.policy_new, name="policy_new"),
    path("reevaluate/", views.reevaluate, name="policy_reevaluate"),
    path("<int:pk>/", views.policy_detail, name="policy_detail"),
    path("<int:pk>/versions/new/", views.version_new, name="policy_version_new"),
    path("<int:pk>/coverage/", views.coverage, name="policy_coverage"),
    path("<int:pk>/coverage/export.xlsx", views.coverage_export, name="policy_coverage_export"),
    path("<int:policy_pk>/apply/", views.case_apply, name="policy_case_apply"),
    path("<int:policy_pk>/grant/<int:enterprise_pk>/", views.case_grant, name="policy_case_grant"),
    path("versions/<int:pk>/", views.version_detail, name="policy_version"),
    path("versions/<int:pk>/publish/", views.version_publish, name="policy_version_publish"),
    path("runs/<int:pk>/", views.run_status, name="policy_run"),
    path("package/", views.my_package, name="policy_my_package"),
    path("package/<int:pk>/", views.enterprise_package, name="policy_enterprise_package"),
]
