"""The versioned JSON API: /api/v1/, schema at /api/v1/openapi.json.

Two parts. Public and anonymous (GET only): the schedule of visits and the service
catalog, for the regency's website, village information boards and anyone else.
Staff (bearer token from `manage.py create_api_token`, or a logged-in session):
residents, pre-registrations, the queue, the board and documents, scoped exactly like
the web pages and changed only through the same actions.

The interactive docs page is off because ninja's Swagger UI loads its scripts from a
CDN; the schema at /api/v1/openapi.json can be opened in any OpenAPI viewer.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from bujian.agencies.api import router as agencies_router
from bujian.aspirations.api import router as aspirations_router
from bujian.calendars.api import router as calendars_router
from bujian.evaluation.api import router as evaluation_router
from bujian.planner.api import router as planner_router
from bujian.queueing.api import router as queue_router
from bujian.queueing.api_board import router as board_router
from bujian.records.api import router as documents_router
from bujian.regions.api import router as regions_router
from bujian.residents.api import registrations_router
from bujian.residents.api import router as residents_router
from bujian.surveys.api import router as surveys_router
from bujian.visits.api import router as visits_router

api = NinjaAPI(
    title="Bujian API",
    version="1",
    description=(
        "The Bupati ngantor di desa program. Public, read-only: regions, agencies and "
        "their services, and the schedule of visits. Staff (Authorization: Bearer "
        "<token>, or a staff session): residents, pre-registrations, the queue and its "
        "board, documents and their handover. Lists are paginated with ?page= and "
        "?page_size= (at most 100). Refusals answer 409 with a stable code."
    ),
    urls_namespace="api-v1",
    docs_url=None,
)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A 403 in JSON like every other answer, not Django's HTML page."""
    return api.create_response(
        request, {"detail": "You may not do this with your role."}, status=403
    )


api.add_router("/regions", regions_router)
api.add_router("", agencies_router)
api.add_router("/visits", visits_router)
api.add_router("/queue", queue_router)
api.add_router("/queue", board_router)
api.add_router("/residents", residents_router)
api.add_router("", registrations_router)
api.add_router("/documents", documents_router)
api.add_router("/calendar", calendars_router)
api.add_router("/aspirations", aspirations_router)
api.add_router("/surveys", surveys_router)
api.add_router("/evaluation", evaluation_router)
api.add_router("/planner", planner_router)
