"""Solicitation pages (thin: the use-cases live in services/ideas.py)."""

from django.http import HttpResponse
from django.urls import path


def placeholder(request, *args, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("solicitations/", placeholder, name="programme_solicitations"),
]
