from django.contrib import admin
from django.urls import include, path

from kechuang.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("enterprises/", include("kechuang.enterprises.urls")),
    path("policies/", include("kechuang.policies.urls")),
    path("matching/", include("kechuang.matching.urls")),
    path("experts/", include("kechuang.experts.urls")),
    path("programs/", include("kechuang.programs.urls")),
    path("supervision/", include("kechuang.supervision.urls")),
    path("indicators/", include("kechuang.indicators.urls")),
    path("cultivation/", include("kechuang.cultivation.urls")),
    path("platforms/", include("kechuang.platforms.urls")),
    path("talent/", include("kechuang.talent.urls")),
    path("techmarket/", include("kechuang.techmarket.urls")),
    path("finance/", include("kechuang.finance.urls")),
    path("", include("kechuang.core.urls")),
]
