from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="demand_list"), name="matching_home"),
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/export.xlsx", views.demand_export, name="demand_export"),
    path("demands/new/", views.demand_new, name="demand_new"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/edit/", views.demand_edit, name="demand_edit"),
    path("achievements/", views.achievement_list, name="achievement_list"),
    path("achievements/export.xlsx", views.achievement_export, name="achievement_export"),
    path("achievements/new/", views.achievement_new, name="achievement_new"),
    path("achievements/<int:pk>/", views.achievement_detail, name="achievement_detail"),
    path("achievements/<int:pk>/edit/", views.achievement_edit, name="achievement_edit"),
    path("matches/", views.match_list, name="match_list"),
    path("matches/export.xlsx", views.match_export, name="match_export"),
    path("matches/<int:pk>/transition/", views.match_transition, name="match_transition"),
    path("events/", views.event_list, name="matching_events"),
    path("events/export.xlsx", views.event_export, name="matching_event_export"),
    path("events/new/", views.event_edit, name="matching_event_new"),
    path("events/<int:pk>/", views.event_detail, name="matching_event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="matching_event_edit"),
]
