"""The one error type services raise for a refused use case.

Views turn it into a form error or message, the API into HTTP 400; the message is
already translated (lazy) so the caller shows it as it is.
"""

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: Any, *, code: str = "invalid", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)
