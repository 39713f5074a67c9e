"""The versioned public JSON API: /api/v1/, schema at /api/v1/openapi.json.

Read-only and anonymous: the schedule of visits and the service catalog, for the
regency's website, village information boards and anyone else. The interactive docs
page is off because ninja's Swagger UI loads its scripts from a CDN; the schema at
/api/v1/openapi.json can be opened in any OpenAPI viewer.
"""

from ninja import NinjaAPI

from bujian.agencies.api import router as agencies_router
from bujian.queueing.api import router as queue_router
from bujian.regions.api import router as regions_router
from bujian.visits.api import router as visits_router

api = NinjaAPI(
    title="Bujian API",
    version="1",
    description=(
        "Public, read-only data of the Bupati ngantor di desa program: regions, "
        "agencies and their services, and the schedule of visits. Lists are paginated "
        "with ?page= and ?page_size= (at most 100)."
    ),
    urls_namespace="api-v1",
    docs_url=None,
)
api.add_router("/regions", regions_router)
api.add_router("", agencies_router)
api.add_router("/visits", visits_router)
api.add_router("/queue", queue_router)
