from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
