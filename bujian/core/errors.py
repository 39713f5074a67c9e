from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the program refused an action. ``code`` is stable for tests and
    API clients; ``message`` is the translated sentence shown to the user."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = str(message)

    def __str__(self) -> str:
        return self.message
