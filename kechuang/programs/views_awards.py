"""Award pages (thin: the use-cases live in services/awards.py)."""

from django.http import HttpResponse
from django.urls import path


def placeholder(request, *args, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("applications/<int:pk>/pack.pdf", placeholder, name="programme_application_pdf"),
    path("awards/", placeholder, name="programme_awards"),
    path("notices/", placeholder, name="programme_notices"),
]
