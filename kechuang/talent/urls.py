from django.urls import path

from . import views

urlpatterns = [
    path("", views.appointment_list, name="talent_appointments"),
    path("appointments/new/", views.appointment_new, name="talent_appointment_new"),
    path("appointments/export.xlsx", views.appointment_export, name="talent_appointment_export"),
    path("appointments/<int:pk>/", views.appointment_detail, name="talent_appointment_detail"),
    path("commissioners/", views.commissioner_list, name="talent_commissioners"),
    path("commissioners/new/", views.commissioner_new, name="talent_commissioner_new"),
    path("commissioners/export.xlsx", views.commissioner_export, name="talent_commissioner_export"),
    path("commissioners/<int:pk>/", views.commissioner_detail, name="talent_commissioner_detail"),
    path("foreign/", views.foreign, name="talent_foreign"),
    path("pools/", views.pools, name="talent_pools"),
]
