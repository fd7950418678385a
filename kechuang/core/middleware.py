import logging
import re
import time
import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

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
