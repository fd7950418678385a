"""Review pages (thin: the use-cases live in services/review.py)."""

from django.http import HttpResponse
from django.urls import path


def placeholder(request, *args, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("applications/<int:pk>/feedback/", placeholder, name="programme_application_feedback"),
    path("reviews/", placeholder, name="programme_review_rounds"),
    path("reviews/mine/", placeholder, name="programme_my_reviews"),
]
