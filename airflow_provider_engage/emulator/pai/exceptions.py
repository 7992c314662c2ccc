"""PAI User Engagement's coded errors, answered in its envelope as ``ErrorCode``/``ErrorMessage``.

The backend (:mod:`.models`) raises these; the HTTP layer (:mod:`.responses`) wraps any of them
in the envelope in one place. The codes and statuses are :mod:`airflow_provider_engage.pai_spec`'s.
"""

from __future__ import annotations

from airflow_provider_engage import pai_spec
from airflow_provider_engage.input_errors import InvalidFieldError

__all__ = ["PaiError", "PaiInvalidParameter", "PaiScheduleNotFound"]


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
