from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import audit_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("account/sessions/", views.my_sessions, name="my_sessions"),
    path("account/sessions/end/", views.end_my_session, name="end_my_session"),
    path("search/", views.global_search, name="search"),
    path("statistical-years/", views.statistical_years, name="statistical_years"),
    path("backups/", views.backup_list, name="backup_list"),
    path("users/", include("kechuang.core.users.urls")),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("pick/<slug:kind>/", views.pick, name="pick"),
    path("", views.home, name="home"),
]
