"""The platform's API (django-ninja): OpenAPI at /api/docs, bearer-token or session authentication."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import HttpError

from kechuang.core.api_auth import BearerToken, SessionAuth

api = NinjaAPI(
    title="Kechuang API",
    version="1",
    description=str(
        _("市科技局业务平台接口。使用 Authorization: Bearer <令牌> 认证；令牌在“个人设置”中签发。")
    ),
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or str(_("无权访问"))}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": str(_("数据校验未通过")), "errors": errors}, status=422)


def _add_routers() -> None:
    from kechuang.enterprises.api import router as enterprises_router

    api.add_router("/enterprises", enterprises_router)


_add_routers()

__all__ = ["HttpError", "api"]
