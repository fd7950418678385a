from django.urls import path

from . import views_evaluation as v

urlpatterns = [
    path("evaluation/", v.home, name="cultivation_eval_home"),
    path("evaluation/run/", v.run, name="cultivation_eval_run"),
    path("evaluation/systems/new/", v.system_edit, name="cultivation_eval_system_new"),
    path("evaluation/systems/<int:pk>/", v.system_detail, name="cultivation_eval_system"),
    path("evaluation/systems/<int:pk>/edit/", v.system_edit, name="cultivation_eval_system_edit"),
    path("evaluation/scores/", v.scores, name="cultivation_eval_scores"),
    path("evaluation/scores/export.xlsx", v.scores_export, name="cultivation_eval_scores_export"),
    path("evaluation/selections/", v.selections, name="cultivation_eval_selections"),
    path("evaluation/selections/<int:pk>/", v.selection_detail, name="cultivation_eval_selection"),
    path(
        "evaluation/selections/<int:pk>/entries/<int:entry_pk>/",
        v.selection_decide,
        name="cultivation_eval_selection_decide",
    ),
    path(
        "evaluation/selections/<int:pk>/confirm/",
        v.selection_confirm,
        name="cultivation_eval_selection_confirm",
    ),
    path(
        "evaluation/selections/<int:pk>/publish/",
        v.selection_publish,
        name="cultivation_eval_selection_publish",
    ),
]
