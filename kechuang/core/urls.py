from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("users/", include("kechuang.core.users.urls")),
    path("pick/<slug:kind>/", views.pick, name="pick"),
    path("", views.home, name="home"),
]
