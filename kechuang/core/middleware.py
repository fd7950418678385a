import json
import logging
import re
import time
import uuid
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import logs

access_log = logging.getLogger("kechuang.request")


class ContentSecurityPolicyMiddleware:
    """A strict CSP: every script and style is served by the platform itself, none inline.

    Django 5.2 has no CSP setting of its own (it arrives in 6.0), and the policy is one fixed
    header, so a few lines here beat another dependency.
    """

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The OpenAPI page loads its own inline bootstrap script; leave it to django-ninja.
        if not request.path.startswith(("/api/docs", f"/{settings.STATIC_URL}")):
            response.headers.setdefault("Content-Security-Policy", self.POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class DefaultLanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, which puts an office PC with an
    English Windows into English; the bureau's default is zh-hans, so only the explicit choice (the
    language cookie set by the switch) overrides it.
    """

    def process_request(self, request):
        choice = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = choice if choice in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class InputHygieneMiddleware:
    """Refuse NUL bytes and invalid UTF-8 in the path, query string, form body or JSON body.

    Django decodes broken UTF-8 into replacement characters and lets NUL through; PostgreSQL then
    refuses a NUL in a text parameter with a ValueError, which surfaced as a 500 on any list page
    given ``?status=%00``. Checking once here, before any view or form, keeps every page and API
    operation safe without each one guarding its inputs. Pages get a Chinese 400 page naming the
    parameter; the API gets its usual JSON error shape with 422.
    """

    FORM = "application/x-www-form-urlencoded"
    MULTIPART = "multipart/form-data"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem is None:
            return self.get_response(request)
        field, message = problem
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": str(_("数据校验未通过")), "errors": {field: message}}, status=422)
        return render(request, "400.html", {"field": field, "message": message}, status=400)

    def _problem(self, request) -> tuple[str, str] | None:
        if "\x00" in request.path_info:
            return "path", str(_("网址不能包含空字符（NUL）"))
        found = _bad_pair(request.META.get("QUERY_STRING", "").encode("latin-1", "replace"))
        if found is None and request.method not in ("GET", "HEAD", "OPTIONS"):
            found = self._body_problem(request)
        return found

    def _body_problem(self, request) -> tuple[str, str] | None:
        content_type = request.content_type or ""
        if content_type == self.FORM:
            return _bad_pair(request.body)
        if content_type == self.MULTIPART:
            # Files may hold any bytes; only the text fields are checked (Django has decoded them).
            for key, values in request.POST.lists():
                for value in [key, *values]:
                    if "\x00" in value:
                        return key, str(_("不能包含空字符（NUL）"))
            return None
        if content_type == "application/json" or content_type.endswith("+json"):
            try:
                text = request.body.decode("utf-8")
            except UnicodeDecodeError:
                return "__all__", str(_("请求体不是合法的 UTF-8 文本"))
            if "\x00" in text:
                return "__all__", str(_("不能包含空字符（NUL）"))
            try:
                data = json.loads(text)
            except ValueError:
                return None  # the API answers malformed JSON itself
            return _nul_in_json(data)
        return None


def _bad_pair(raw: bytes) -> tuple[str, str] | None:
    """The first parameter of a URL-encoded string whose name or value holds NUL or broken UTF-8."""
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key, _sep, value = pair.partition(b"=")
        try:
            name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return "__all__", str(_("参数名不是合法的 UTF-8 文本"))
        if "\x00" in name:
            return "__all__", str(_("参数名不能包含空字符（NUL）"))
        try:
            text = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return name, str(_("不是合法的 UTF-8 文本"))
        if "\x00" in text:
            return name, str(_("不能包含空字符（NUL）"))
    return None


def _nul_in_json(data, field: str = "__all__") -> tuple[str, str] | None:
    if isinstance(data, str):
        return (field, str(_("不能包含空字符（NUL）"))) if "\x00" in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            found = _nul_in_json(key, field) or _nul_in_json(value, key if field == "__all__" else field)
            if found:
                return found
    elif isinstance(data, list):
        for value in data:
            if found := _nul_in_json(value, field):
                return found
    return None


class SignInThrottleMiddleware:
    """At most KECHUANG_SIGN_IN_PER_MINUTE sign-in attempts a minute from one address.

    Every attempt costs an Argon2 hash (even for an unknown user name, which Django hashes to hide
    who exists), so a burst of attempts is a burst of memory. Counting here, before the login view
    authenticates, refuses the excess without hashing anything. django-axes' lock-out then handles
    slow guessing of one account. The counter lives in Django's cache: per process with the local
    memory cache, shared when the cache is Redis.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info in _sign_in_paths():
            limit = settings.KECHUANG_SIGN_IN_PER_MINUTE
            key = f"kc-sign-in:{_client_address(request)}:{int(time.time() // 60)}"
            cache.add(key, 0, timeout=90)
            if cache.incr(key) > limit:
                response = render(request, "core/throttled.html", {"limit": limit}, status=429)
                response.headers["Retry-After"] = str(60 - int(time.time()) % 60)
                return response
        return self.get_response(request)


def _sign_in_paths() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


def _client_address(request) -> str:
    from axes.helpers import get_client_ip_address

    # The same address django-axes locks by, so that both see one client behind a proxy alike.
    return get_client_ip_address(request) or "unknown"


class SessionActivityMiddleware:
    """Keep a UserSession row per signed-in session: device, address and last activity.

    The time of the last write is kept in the session, so the row (and the session) is written at
    most once a minute, not on every page.
    """

    SEEN = "_kc_seen"
    RESOLUTION = 60  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        key = request.session.session_key
        if user is not None and user.is_authenticated and key:
            now = time.time()
            # Signing in keeps the session's data under a new key: a mark for the old key is stale.
            seen_key, seen_at = request.session.get(self.SEEN) or ("", 0)
            if seen_key != key or now - seen_at >= self.RESOLUTION:
                from .sessions import touch

                touch(request)
                request.session[self.SEEN] = (key, now)
        return self.get_response(request)


class ApiErrorJsonMiddleware:
    """Every API error is JSON in the API's shape ``{"detail": …}``, whoever produced it.

    django-ninja answers its own errors in JSON (kechuang/api.py), but a path no route matches (404),
    a method a route does not take (405), an unhandled exception (500) or a refusal from a middleware
    comes from Django as an HTML page, which an API client cannot read.
    """

    MESSAGES = {
        400: _lazy("请求有误"),
        401: _lazy("请先登录，或在 Authorization 头中提供有效的令牌"),
        403: _lazy("无权访问"),
        404: _lazy("未找到该接口或记录"),
        405: _lazy("该接口不支持此请求方法"),
        413: _lazy("请求体过大"),
        429: _lazy("请求过于频繁，请稍后再试"),
        500: _lazy("服务器内部错误，已记录，请稍后再试"),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path_info.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            message = self.MESSAGES.get(status) or self.MESSAGES[500 if status >= 500 else 400]
            json_response = JsonResponse({"detail": str(message)}, status=status)
            if allow := response.get("Allow"):
                json_response["Allow"] = allow
            return json_response
        return response


class RequestIdMiddleware:
    """Give every request an id: nginx's ``X-Request-ID`` when well-formed, else a new one.

    The id goes into every log record written while serving the request (``kechuang.core.logs``) and
    back to the client in the response header, so a person's "it failed" can be found in the logs.
    A malformed incoming id is replaced rather than trusted: it would otherwise let a client write
    arbitrary text into the logs.
    """

    HEADER = "X-Request-ID"
    WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,128}")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(self.HEADER, "")
        rid = incoming if self.WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[self.HEADER] = rid
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            logs.request_id.reset(token)
