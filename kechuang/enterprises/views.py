from django.http import HttpResponse


def enterprise_list(request):
    return HttpResponse(status=501)


def enterprise_export(request):
    return HttpResponse(status=501)


def enterprise_profile(request, pk):
    return HttpResponse(status=501)
