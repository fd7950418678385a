from ninja import Router

from .api_evaluation import router as evaluation_router
from .api_ladder import router as ladder_router

router = Router(tags=["cultivation"])
router.add_router("/ladder", ladder_router)
router.add_router("/evaluation", evaluation_router)
