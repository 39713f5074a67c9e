"""The versioned JSON API: /api/v1/, schema at /api/v1/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(title="Bujian API", version="1", urls_namespace="api-v1")
