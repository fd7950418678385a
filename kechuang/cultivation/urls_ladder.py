from django.urls import path

from . import views_ladder as v

urlpatterns: list = [
    path("ladder/", v.ladder_home, name="cultivation_ladder"),
    path("ladder/pool/", v.pool_list, name="cultivation_pool"),
    path("ladder/pool/nominate/", v.nominate, name="cultivation_nominate"),
    path("ladder/pool/propose/", v.propose, name="cultivation_propose"),
    path("ladder/pool/<int:pk>/", v.candidate_detail, name="cultivation_candidate"),
    path("ladder/pool/<int:pk>/admit/", v.candidate_admit, name="cultivation_admit"),
    path("ladder/pool/<int:pk>/reject/", v.candidate_reject, name="cultivation_reject"),
    path("ladder/pool/<int:pk>/action/", v.candidate_action, name="cultivation_action"),
    path("ladder/pool/<int:pk>/close/", v.candidate_close, name="cultivation_close"),
    path("ladder/near-misses/", v.near_miss_list, name="cultivation_near_misses"),
    path("ladder/rungs/", v.rung_list, name="cultivation_rungs"),
    path("ladder/rungs/grant/", v.rung_grant, name="cultivation_rung_grant"),
    path("ladder/rungs/import/", v.rung_import, name="cultivation_rung_import"),
    path("ladder/rungs/template/<slug:kind>/", v.rung_template, name="cultivation_rung_template"),
    path("ladder/watch/", v.watch_lists, name="cultivation_watch"),
    path("ladder/watch/<slug:code>/export/", v.watch_export, name="cultivation_watch_export"),
    path("ladder/watch/<slug:code>/push/", v.watch_push, name="cultivation_watch_push"),
    path("ladder/watch/handled/<int:pk>/", v.watch_handled, name="cultivation_watch_handled"),
]
