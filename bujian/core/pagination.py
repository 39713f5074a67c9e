"""The API's page-number pagination, with bounds: a page number far past any list
(``?page=10**24``) is a clear 422, not an overflowing OFFSET and a server error."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 100


class PageNumberPagination(NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)
