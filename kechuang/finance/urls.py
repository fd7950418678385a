from django.urls import path

from . import views

urlpatterns = [
    path("", views.voucher_list, name="finance_vouchers"),
    path("vouchers/export/", views.voucher_export, name="finance_voucher_export"),
    path("vouchers/apply/<int:scheme_pk>/", views.voucher_apply, name="finance_voucher_apply"),
    path("vouchers/<int:pk>/", views.voucher_detail, name="finance_voucher"),
    path("vouchers/<int:pk>/<str:action>/", views.voucher_action, name="finance_voucher_action"),
    path("loans/", views.loan_list, name="finance_loans"),
    path("loans/export/", views.loan_export, name="finance_loan_export"),
    path("loans/new/", views.loan_new, name="finance_loan_new"),
    path("loans/import/", views.loan_import, name="finance_loan_import"),
    path("loans/<int:pk>/", views.loan_detail, name="finance_loan"),
    path("loans/<int:pk>/<str:action>/", views.loan_action, name="finance_loan_action"),
]
