"""The errors callers catch: Airflow exceptions carrying the vendor's code, status and request id."""

from __future__ import annotations

import pickle

import pytest
from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_engage import service_errors
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import (
    EngageLabApiError,
    EngageLabNotFoundError,
    EngageServiceError,
    PaiEngagementApiError,
)


def test_hierarchy() -> None:
    assert issubclass(EngageLabApiError, AirflowException)
    assert issubclass(EngageLabNotFoundError, EngageLabApiError)
    assert issubclass(PaiEngagementApiError, AirflowException)
    assert not issubclass(PaiEngagementApiError, EngageLabApiError)
    assert service_errors.InvalidFieldError is InvalidFieldError


def test_details_are_attributes() -> None:
    error = EngageLabNotFoundError(
        "EngageLab get schedule failed",
        operation="get schedule",
        status_code=404,
        vendor_code=28104,
        vendor_message="not there",
        request_id="r-1",
    )
    assert str(error) == "EngageLab get schedule failed"
    assert (error.operation, error.status_code, error.vendor_code) == ("get schedule", 404, 28104)
    assert (error.vendor_message, error.request_id, error.may_have_taken_effect) == (
        "not there",
        "r-1",
        False,
    )


def test_pai_error_code_may_be_a_gateway_string() -> None:
    error = PaiEngagementApiError("throttled", operation="create schedule", vendor_code="Throttling.User")
    assert error.error_code == "Throttling.User"


@pytest.mark.parametrize("cls", [EngageLabApiError, EngageLabNotFoundError, PaiEngagementApiError])
def test_errors_survive_pickling_and_airflow_serialisation(cls: type[EngageServiceError]) -> None:
    error = cls(
        "failed",
        operation="delete schedule",
        status_code=503,
        vendor_code=28203,
        may_have_taken_effect=True,
        transient=True,
    )

    copy = pickle.loads(pickle.dumps(error))
    path, args, kwargs = error.serialize()
    rebuilt = cls(*args, **kwargs)

    for other in (copy, rebuilt):
        assert type(other) is cls
        assert str(other) == "failed"
        assert (other.operation, other.status_code, other.vendor_code) == ("delete schedule", 503, 28203)
        assert other.may_have_taken_effect
        assert other.transient
    assert path == f"airflow_provider_engage.service_errors.{cls.__name__}"
