"""The one error for bad input, raised before any request is sent.

Pure (stdlib only) so that `timing`, `validation` and the emulator can share it without
importing Airflow.
"""

from __future__ import annotations


class InvalidFieldError(ValueError):
    """A value the caller gave breaks a rule of the service.

    ``field`` is a dotted path into the caller's input (``trigger.single.time``); ``vendor_code``
    is the code the real service answers for the same rule, when it has one.
    """

    def __init__(self, field: str, message: str, *, vendor_code: int | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.vendor_code = vendor_code
