"""The one way a programme object changes status: lock the row, ask django-fsm whether the
transition may run from here, run it, save, and write the audit row (who, when, from, to, why).

Every service of this app calls ``step``; no page or API call sets a status field directly, so no
illegal transition can happen from anywhere.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from .models import Transition


def log(obj, action: str, from_status: str, user, reason: str = "") -> Transition:
    return Transition.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        action=action,
        from_status=from_status,
        to_status=obj.status,
        actor=user if user is not None and user.is_authenticated else None,
        reason=reason,
    )


def guard(obj, method: str, label) -> None:
    """Refuse, naming the current status and the action, when ``method`` may not run now."""
    if not can_proceed(getattr(obj, method)):
        raise ValidationError(
            {
                "status": _("当前状态为“%(from)s”，不能%(action)s")
                % {"from": obj.get_status_display(), "action": label}
            }
        )


@transaction.atomic
def step(user, obj, method: str, label, *, reason: str = "", action: str | None = None, **changes):
    """Run transition ``method`` on a fresh, locked copy of ``obj``; set ``changes`` on it in the same
    save. Returns the saved copy. ``label`` is the action in words for the refusal message."""
    fresh = type(obj).objects.select_for_update(of=("self",)).get(pk=obj.pk)
    guard(fresh, method, label)
    before = fresh.status
    getattr(fresh, method)()
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.save()
    log(fresh, action or method, before, user, reason)
    return fresh


def history(obj):
    """The audit rows of ``obj``, oldest first, with their actors."""
    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("actor", "content_type")
