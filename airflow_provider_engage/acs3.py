"""ACS3-HMAC-SHA256: how Alibaba Cloud's ROA APIs sign a request, and how a server checks one.

Pure (stdlib only). The PAI hook signs with :func:`sign_request` and the emulator checks with
:func:`verify_request`; both build the canonical request through :func:`_string_to_sign`, so the
two sides cannot drift apart. The rules follow Alibaba's V3 signature (the one
``alibabacloud-tea-openapi`` computes): RFC 3986 encoding, sorted query, sorted lower-case signed
headers, hex SHA-256 of the body as payload hash.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
API_VERSION = "2022-01-12"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_SKEW_SECONDS = 900

# A gateway refuses a signature that leaves any of these out: without them a captured request
# could be replayed against another action, at another time, or with another body.
REQUIRED_SIGNED_HEADERS = frozenset(
    {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}
)


class SignatureError(Exception):
    """A request the gateway refuses before it reaches the API, with Alibaba's own code."""

    def __init__(self, code: str, message: str, *, http_status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba wants it: only unreserved characters stay as they are.

    Also the way to put a value into a path segment (``/api/v2/schedules/{id}``) before signing.
    """
    return quote(value, safe="~", encoding="utf-8")


def payload_hash(body: bytes) -> str:
    """Hex SHA-256 of the exact body bytes sent (``x-acs-content-sha256``)."""
    return hashlib.sha256(body).hexdigest()


def _canonical_query(query: Mapping[str, str] | None) -> str:
    pairs = sorted((percent_encode(key), percent_encode(value)) for key, value in (query or {}).items())
    return "&".join(f"{key}={value}" for key, value in pairs)


def _canonical_headers(headers: Mapping[str, Iterable[str]], names: Iterable[str]) -> tuple[str, str]:
    """The ``name:value`` block and the ``;``-joined names, for the headers that are signed."""
    ordered = sorted({name.lower() for name in names})
    lines = "".join(
        f"{name}:{','.join(sorted(value.strip() for value in headers[name]))}\n" for name in ordered
    )
    return lines, ";".join(ordered)


def _string_to_sign(
    *,
    method: str,
    path: str,
    query: Mapping[str, str] | None,
    headers: Mapping[str, Iterable[str]],
    signed_names: Iterable[str],
    body_hash: str,
) -> tuple[str, str]:
    """The string to sign and the signed-header list, from one canonical request."""
    header_block, signed = _canonical_headers(headers, signed_names)
    canonical_request = "\n".join(
        [method.upper(), path or "/", _canonical_query(query), header_block, signed, body_hash]
    )
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{digest}", signed


def _signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_request(
    *,
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str] | None,
    body: bytes,
    action: str,
    access_key_id: str,
    access_key_secret: str,
    version: str = API_VERSION,
    security_token: str | None = None,
    content_type: str | None = "application/json",
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Every header to send with the request, ``Authorization`` included.

    ``path`` and ``query`` must be exactly what goes on the wire: the path already encoded with
    :func:`percent_encode` per segment, the query as the decoded name/value pairs. ``host`` is the
    ``Host`` header the server will see (``host:port`` when the port is not the default).
    ``content_type`` None leaves the header out (a GET without a body).
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    headers: dict[str, str] = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": moment.strftime(DATE_FORMAT),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": payload_hash(body),
    }
    if content_type is not None:
        headers["content-type"] = content_type
    if security_token:
        headers["x-acs-accesskey-id"] = access_key_id
        headers["x-acs-security-token"] = security_token
    string_to_sign, signed = _string_to_sign(
        method=method,
        path=path,
        query=query,
        headers={name: [value] for name, value in headers.items()},
        signed_names=headers,
        body_hash=headers["x-acs-content-sha256"],
    )
    headers["Authorization"] = (
        f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed},"
        f"Signature={_signature(access_key_secret, string_to_sign)}"
    )
    return headers


def _parse_authorization(value: str | None) -> tuple[str, list[str], str]:
    """``(access key id, signed header names, signature)`` from an ``Authorization`` header."""
    incomplete = SignatureError(
        "IncompleteSignature", "The request signature does not conform to Aliyun standards."
    )
    if not value:
        raise SignatureError("MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError(
            "IncompleteSignature", f"The signature algorithm {algorithm!r} is not supported."
        )
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            raise incomplete
        parts[key] = val
    access_key_id = parts.get("Credential", "")
    signed = [name for name in parts.get("SignedHeaders", "").split(";") if name]
    signature = parts.get("Signature", "")
    if not (access_key_id and signed and signature):
        raise incomplete
    return access_key_id, signed, signature


def _collect_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Lower-cased names, repeated headers kept (the signer joins them with commas)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    collected: dict[str, list[str]] = {}
    for name, value in items:
        collected.setdefault(name.lower(), []).append(value)
    return collected


def _check_freshness(received: dict[str, list[str]], now: datetime, max_skew_seconds: int) -> None:
    text = received["x-acs-date"][0].strip()
    try:
        sent = datetime.strptime(text, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
        ) from None
    if abs((now.astimezone(UTC) - sent).total_seconds()) > max_skew_seconds:
        raise SignatureError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")


def verify_request(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    secret_for: Callable[[str], str | None],
    now: datetime,
    nonce_seen: Callable[[str], bool],
    max_skew_seconds: int = MAX_SKEW_SECONDS,
) -> str:
    """Check a signed request the way Alibaba's gateway does; return the AccessKey id.

    ``path`` is the raw (still encoded) request path, ``query`` the decoded pairs, ``headers``
    what arrived (a mapping or name/value pairs). ``now`` is the real time: freshness is about
    the request, not the emulated world. ``nonce_seen(nonce)`` answers whether the nonce was used
    within the window and remembers it; it is asked only once the signature holds, so a forged
    request cannot burn a nonce. Raises :class:`SignatureError` with the gateway's code.
    """
    received = _collect_headers(headers)
    access_key_id, signed, signature = _parse_authorization(
        next(iter(received.get("authorization", [])), None)
    )
    missing = sorted((REQUIRED_SIGNED_HEADERS - set(signed)) | {n for n in signed if n not in received})
    if missing:
        raise SignatureError(
            "IncompleteSignature",
            f"The request signature does not conform to Aliyun standards: header {missing[0]} is not signed.",
        )
    _check_freshness(received, now, max_skew_seconds)
    secret = secret_for(access_key_id)
    if secret is None:
        raise SignatureError(
            "InvalidAccessKeyId.NotFound", "Specified access key is not found.", http_status=404
        )
    string_to_sign, _ = _string_to_sign(
        method=method,
        path=path,
        query=query,
        headers=received,
        signed_names=signed,
        body_hash=payload_hash(body),
    )
    if not hmac.compare_digest(_signature(secret, string_to_sign), signature):
        raise SignatureError(
            "SignatureDoesNotMatch",
            f"Specified signature does not match our calculation. server StringToSign is [{string_to_sign}]",
        )
    if nonce_seen(received["x-acs-signature-nonce"][0].strip()):
        raise SignatureError("SignatureNonceUsed", "Specified signature nonce was used already.")
    return access_key_id
