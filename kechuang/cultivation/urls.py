from .urls_evaluation import urlpatterns as evaluation_urls
from .urls_ladder import urlpatterns as ladder_urls

urlpatterns = ladder_urls + evaluation_urls
