from django.urls import path

from . import views

urlpatterns = [
    path("", views.board, name="supervision_board"),
    path("plan/<int:pk>/", views.plan_detail, name="supervision_plan"),
    path("task-force/<int:pk>/", views.task_force, name="supervision_task_force"),
    path("task-force/<int:pk>/edit/", views.task_force_edit, name="supervision_task_force_edit"),
    path(
        "task-force/<int:pk>/report/<int:year>/<int:month>/",
        views.open_report,
        name="supervision_open_report",
    ),
    path("report/<int:pk>/", views.report, name="supervision_report"),
    path("report/<int:pk>/attachment/<int:att>/", views.attachment, name="supervision_attachment"),
    path("milestone/<int:pk>/edit/", views.milestone_edit, name="supervision_milestone_edit"),
    path("office/", views.office, name="supervision_office"),
    path("bulletin/<int:pk>/", views.bulletin_download, name="supervision_bulletin"),
    path("supervision-report/<int:pk>/", views.supervision_report_download, name="supervision_report_doc"),
    path("review/<int:pk>/", views.review, name="supervision_review"),
    path("assessment/<int:pk>/", views.assessment, name="supervision_assessment"),
    path("import/", views.import_plan, name="supervision_import"),
    path("import/template.xlsx", views.import_template, name="supervision_import_template"),
]
