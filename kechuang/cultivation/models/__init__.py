"""The ladder's models and the evaluation's models live in their own modules; importing both here is
what registers them with Django."""

from . import evaluation, ladder  # noqa: F401
