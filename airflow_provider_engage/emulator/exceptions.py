"""The emulated services' coded errors, as moto keeps them in ``exceptions.py``.

The backends raise these; each HTTP layer (``engagelab_routes``, ``pai_routes``) turns them into
its service's answer in one place. A class carries what the wire needs and nothing of HTTP: the
vendor code, the message, and the status the code is answered with, read from the spec modules
the hooks call by (:mod:`airflow_provider_engage.engagelab_spec`, ``pai_spec``). The codes
raised in many places or caught by name have a class; any other is raised as
``EngageLabError(message, code=...)``.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_engage import engagelab_spec, pai_spec
from airflow_provider_engage.input_errors import InvalidFieldError

__all__ = [
    "AuthenticationFailed",
    "EngageLabError",
    "InvalidSchedule",
    "PaiError",
    "PaiInvalidParameter",
    "PaiScheduleNotFound",
    "ScheduleNotFound",
]

# --- EngageLab AppPush: {"error": {"code", "message"}} --------------------------------------------


class EngageLabError(Exception):
    """An answer the service gives as ``{"error": {"code", "message"}}`` with an HTTP status."""

    code = engagelab_spec.INTERNAL_ERROR

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def status(self) -> int:
        """The HTTP status the service answers this code with."""
        return engagelab_spec.http_status_of(self.code)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}

    @classmethod
    def from_invalid(cls, err: InvalidFieldError) -> EngageLabError:
        """A shared validation failure, answered with the code the rule names."""
        return cls(str(err), code=err.vendor_code or InvalidSchedule.code)


class InvalidSchedule(EngageLabError):
    code = engagelab_spec.SCHEDULE_INVALID


class AuthenticationFailed(EngageLabError):
    code = engagelab_spec.AUTH_FAILED


class ScheduleNotFound(EngageLabError):
    code = engagelab_spec.SCHEDULE_NOT_FOUND


# --- PAI User Engagement: the envelope's ErrorCode and ErrorMessage -------------------------------


class PaiError(Exception):
    """An error the PAI API answers in its envelope: ``ErrorCode``, ``ErrorMessage``."""

    error_code = pai_spec.INTERNAL_ERROR
    http_status = pai_spec.INTERNAL_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PaiInvalidParameter(PaiError):
    """A request field breaks a rule; the message names the field."""

    error_code = pai_spec.BAD_REQUEST
    http_status = pai_spec.BAD_REQUEST

    @classmethod
    def from_field_error(cls, err: InvalidFieldError) -> PaiInvalidParameter:
        made = cls(str(err))
        made.error_code = err.vendor_code or cls.error_code
        return made


class PaiScheduleNotFound(PaiError):
    """No reach plan with that Id (never created, or deleted)."""

    error_code = pai_spec.NOT_FOUND
    http_status = pai_spec.NOT_FOUND
