"""Programme and challenge API (django-ninja router mounted at /api/programmes)."""

from ninja import Router

router = Router(tags=["programmes"])
