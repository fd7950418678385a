"""Use-cases of the enterprise ladder: rungs (``rungs``), the high-tech cultivation pool (``pool``), the
funnel and rung moves (``funnel``) and the watch lists (``watch``). Pages, the API, commands and the demo
call these; nothing else writes the ladder's tables.

Part B of the cultivation app (the leading-enterprise and listing-reserve selection) writes its rungs
through ``grant_rung``.
"""

from .access import can_manage_pool, can_view_pool, is_city_writer, pool_scope
from .rungs import check_contradictions, grant_rung, rungs_from_rules

__all__ = [
    "can_manage_pool",
    "can_view_pool",
    "check_contradictions",
    "grant_rung",
    "is_city_writer",
    "pool_scope",
    "rungs_from_rules",
]
