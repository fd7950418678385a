from django.urls import path

from . import views

urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("new/", views.user_new, name="user_new"),
    path("<int:pk>/", views.user_detail, name="user_detail"),
    path("<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("<int:pk>/do/<slug:action>/", views.user_action, name="user_action"),
    path("<int:pk>/sessions/end/", views.user_end_session, name="user_end_session"),
    path("password/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
    path("password/done/", views.PasswordSetDoneView.as_view(), name="password_set_done"),
]
