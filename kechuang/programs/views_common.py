"""What every programme page does with a refusal: show each message, on the form field it names
when there is a form, else as a page message."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.utils.translation import gettext as _


def _pairs(exc: ValidationError):
    return exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]


def flash(request, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("无权进行此操作"))
        return
    for _field, errors in _pairs(exc):
        for e in errors:
            messages.error(request, e)


def add_errors(form, exc: ValidationError, renamed: dict[str, str] | None = None) -> None:
    """Put each message on the form field it names; ``renamed`` maps a service field to the form's
    (e.g. requested_yuan → requested_wan); form_data.<x> goes to the schema field f_<x>. A message
    for a field the form does not have is shown at the top with the field's name."""
    renamed = renamed or {}
    for field, errors in _pairs(exc):
        target = renamed.get(field, field)
        if target.startswith("form_data."):
            target = "f_" + target.removeprefix("form_data.")
        target = target if target in form.fields else None
        for error in errors:
            form.add_error(target, error if target or field == "__all__" else f"{field}：{error}")


def page(request, qs):
    return Paginator(qs, settings.KECHUANG_PAGE_SIZE).get_page(request.GET.get("page"))
