"""Signals the registry sends, so that other apps react to new facts without the registry importing them."""

from django.dispatch import Signal

# Sent after a yearly-facts import (or edit) has committed: ``enterprise_ids`` lists the enterprises
# whose facts changed, ``user`` who changed them (or None).
facts_imported = Signal()
