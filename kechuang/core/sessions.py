"""Signed-in sessions as their owners and the admins see them: list them, end one."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from .models import UserSession


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def touch(request) -> None:
    """Record that this request's session is alive, from where and with which browser."""
    from .middleware import _client_address

    address = _client_address(request)
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": request.user,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "address": address if address != "unknown" else None,
            "last_activity": timezone.now(),
        },
    )


def live_sessions(user) -> list[UserSession]:
    """The user's sessions that are still signed in; rows of expired or ended sessions are dropped."""
    store = _store()
    rows = list(UserSession.objects.filter(user=user))
    oldest = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    dead = [r.session_key for r in rows if r.last_activity < oldest or not store.exists(r.session_key)]
    if dead:
        UserSession.objects.filter(session_key__in=dead).delete()
    return [row for row in rows if row.session_key not in dead]


def end_session(user, session_key: str) -> bool:
    """Sign ``user``'s session out; False when it is not theirs or is already over."""
    row = UserSession.objects.filter(user=user, session_key=session_key).first()
    if row is None:
        return False
    _store().delete(session_key)
    row.delete()
    return True
