"""Open-challenge pages (thin: the use-cases live in services/challenges.py)."""

from django.http import HttpResponse
from django.urls import path


def placeholder(request, *args, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("challenges/", placeholder, name="challenge_board"),
]
