from django.urls import path

from . import views, views_awards, views_challenges, views_ideas, views_review

urlpatterns = [
    path("", views.call_list, name="programme_calls"),
    path("calls/new/", views.call_new, name="programme_call_new"),
    path("calls/form-preview/", views.form_preview, name="programme_form_preview"),
    path("calls/<int:pk>/", views.call_detail, name="programme_call_detail"),
    path("calls/<int:pk>/edit/", views.call_edit, name="programme_call_edit"),
    path("calls/<int:call_pk>/apply/", views.apply, name="programme_apply"),
    path("calls/<int:pk>/<slug:action>/", views.call_transition, name="programme_call_transition"),
    path("applications/", views.application_list, name="programme_applications"),
    path("applications/export.xlsx", views.application_export, name="programme_application_export"),
    path("applications/endorsements/", views.endorsement_list, name="programme_endorsements"),
    path("applications/<int:pk>/", views.application_detail, name="programme_application_detail"),
    path("applications/<int:pk>/edit/", views.apply, name="programme_application_edit"),
    path(
        "applications/<int:pk>/attachments/",
        views.attachment_upload,
        name="programme_attachment_upload",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="programme_attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="programme_attachment_delete"),
    path(
        "applications/<int:pk>/do/<slug:action>/",
        views.application_action,
        name="programme_application_action",
    ),
]

# Each stage of the cycle keeps its pages in its own views module.
for _module in (views_ideas, views_review, views_awards, views_challenges):
    urlpatterns += _module.urlpatterns
