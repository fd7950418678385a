from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("search/", views.global_search, name="search"),
    path("statistical-years/", views.statistical_years, name="statistical_years"),
    path("users/", include("kechuang.core.users.urls")),
    path("", views.home, name="home"),
]
