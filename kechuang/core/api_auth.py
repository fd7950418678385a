import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .models import ApiToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# How stale last_used_at may get: writing it on every request would make each API read a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def issue_token(user, name: str, days: int | None = None) -> str:
    """Create a token for ``user`` valid ``days`` days (default: the setting) and return it.

    Only its hash is kept, so show it once.
    """
    days = settings.KECHUANG_API_TOKEN_DAYS if days is None else days
    token = "kc_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=name,
        prefix=token[:8],
        digest=_digest(token),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.expires_at <= now:
            when = formats.date_format(timezone.localtime(found.expires_at), "Y-m-d H:i")
            raise HttpError(401, _("令牌已于 %(when)s 过期，请重新签发") % {"when": when})
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The pages' own session, with CSRF checked on unsafe methods.

    CSRF is checked only once the session has signed someone in: a request without a session
    (say, one with a revoked bearer token) then gets 401 rather than a misleading CSRF 403, and a
    cross-site request riding on a signed-in browser is still refused.
    """

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, after authentication, with a Chinese message

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF 校验失败：请刷新页面后重试，或改用令牌认证"))
        return user
