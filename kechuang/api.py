"""The platform's API (django-ninja): OpenAPI at /api/docs, bearer-token or session authentication."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from kechuang.core.api_auth import BearerToken, SessionAuth

api = NinjaAPI(
    title="Kechuang API",
    version="1",
    description=str(
        _("市科技局业务平台接口。使用 Authorization: Bearer <令牌> 认证；令牌在“个人设置”中签发。")
    ),
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or str(_("无权访问"))}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    # One message per field, as the pages show it: {"revenue": "金额不能为负数"}.
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    errors = {field: "；".join(str(m) for m in found) for field, found in messages.items()}
    return api.create_response(request, {"detail": str(_("数据校验未通过")), "errors": errors}, status=422)


# Messages for the schema errors django-ninja (pydantic) reports before a handler runs, so that a
# client sees the same {"detail", "errors": {field: message}} shape and Chinese text as for the
# business rules.
_SCHEMA_MESSAGES = {
    "missing": _("必填，不能为空"),
    "extra_forbidden": _("不是可接受的字段"),
    "int_parsing": _("应为整数"),
    "int_type": _("应为整数"),
    "int_from_float": _("应为整数"),
    "string_type": _("应为文本"),
    "bool_parsing": _("应为 true、false 或 null"),
    "bool_type": _("应为 true、false 或 null"),
    "date_parsing": _("日期应为 YYYY-MM-DD 格式"),
    "date_from_datetime_parsing": _("日期应为 YYYY-MM-DD 格式"),
    "date_type": _("日期应为 YYYY-MM-DD 格式"),
    "json_invalid": _("请求体不是合法的 JSON"),
    "model_attributes_type": _("应为 JSON 对象"),
    "dict_type": _("应为 JSON 对象"),
}
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _schema_error_field(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        # A body's first element names the handler's parameter (e.g. "payload"), not a field.
        if source == "body":
            parts = parts[1:]
    return parts[0] if parts else "__all__"


def _schema_error_message(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind.startswith("kechuang_"):
        return str(error.get("msg", ""))  # our own validators word their message already
    if kind in ("greater_than_equal", "greater_than"):
        return str(_("应不小于 %(limit)s") % {"limit": ctx.get("ge", ctx.get("gt"))})
    if kind in ("less_than_equal", "less_than"):
        return str(_("应不大于 %(limit)s") % {"limit": ctx.get("le", ctx.get("lt"))})
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return str(_SCHEMA_MESSAGES["missing"])
        return str(_("不能少于 %(limit)s 个字符") % {"limit": ctx.get("min_length")})
    if kind == "literal_error":
        return str(_("应为以下之一：%(expected)s") % {"expected": ctx.get("expected", "")})
    if kind == "string_too_long":
        return str(_("不能超过 %(limit)s 个字符") % {"limit": ctx.get("max_length")})
    return str(_SCHEMA_MESSAGES.get(kind, _("格式不正确")))


@api.exception_handler(SchemaValidationError)
def _schema_invalid(request, exc):
    errors: dict[str, str] = {}
    for error in exc.errors:
        # A value failing every member of a union reports once per member: keep the first.
        errors.setdefault(_schema_error_field(error.get("loc", ())), _schema_error_message(error))
    return api.create_response(request, {"detail": str(_("数据校验未通过")), "errors": errors}, status=422)


# django-ninja's own English messages for request errors, and what a client is told instead.
_HTTP_MESSAGES = {"Cannot parse request body": _("请求体无法解析：应为合法的 JSON")}


@api.exception_handler(HttpError)
def _http_error(request, exc):
    detail = _HTTP_MESSAGES.get(exc.message, exc.message)
    return api.create_response(request, {"detail": str(detail)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": str(_("请先登录，或在 Authorization 头中提供有效的令牌"))}, status=401
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(_("未找到该记录"))}, status=404)


def _add_routers() -> None:
    from kechuang.cultivation.api import router as cultivation_router
    from kechuang.enterprises.api import router as enterprises_router
    from kechuang.experts.api import router as experts_router
    from kechuang.finance.api import router as finance_router
    from kechuang.indicators.api import router as indicators_router
    from kechuang.matching.api import router as matching_router
    from kechuang.platforms.api import router as platforms_router
    from kechuang.policies.api import router as policies_router
    from kechuang.programs.api import router as programmes_router
    from kechuang.supervision.api import router as supervision_router
    from kechuang.talent.api import router as talent_router
    from kechuang.techmarket.api import router as techmarket_router

    api.add_router("/enterprises", enterprises_router)
    api.add_router("/policies", policies_router)
    api.add_router("/matching", matching_router)
    api.add_router("/experts", experts_router)
    api.add_router("/programmes", programmes_router)
    api.add_router("/supervision", supervision_router)
    api.add_router("/indicators", indicators_router)
    api.add_router("/cultivation", cultivation_router)
    api.add_router("/platforms", platforms_router)
    api.add_router("/talent", talent_router)
    api.add_router("/techmarket", techmarket_router)
    api.add_router("/finance", finance_router)


_add_routers()

__all__ = ["HttpError", "api"]
