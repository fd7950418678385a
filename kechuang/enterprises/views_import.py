# Placeholder until the import pages land (helper task); see urls.py for the names.
from django.http import HttpResponse


def facts_import(request):
    return HttpResponse(status=501)


def facts_template(request, fmt):
    return HttpResponse(status=501)


def import_report(request, pk):
    return HttpResponse(status=501)
