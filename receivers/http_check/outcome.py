"""What one check found out: the status, timings and certificate of a response, or Go's wording
of why there was none."""

from __future__ import annotations

import asyncio
import errno
import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import aiohttp
from cryptography import x509

__all__ = ["CertInfo", "Outcome", "describe_error", "guess_content_type", "peer_certificate"]


@dataclass(frozen=True)
class CertInfo:
    """The leaf certificate the server presented (Go's ``extractTLSInfo``)."""

    issuer: str
    common_name: str
    sans: tuple[str, ...]  # IP addresses, URIs, DNS names, e-mail addresses: Go's order
    seconds_left: int


@dataclass(frozen=True)
class Outcome:
    url: str
    method: str
    time_ns: int
    duration_ms: int
    status_code: int  # 0 when the request failed
    body_size: int | None
    cert: CertInfo | None
    error: str | None


def peer_certificate(response: aiohttp.ClientResponse) -> CertInfo | None:
    """The certificate of the TLS connection ``response`` came over (None for plain HTTP). The
    binary form is read, so an unverified (``insecure_skip_verify``) certificate counts too.

    aiohttp hands a connection back to its pool as soon as a small body has arrived, so the
    connection is reached through the response's protocol; a connection the server closed right
    after the response has no transport left, and its certificate cannot be read."""
    protocol = getattr(response, "_protocol", None)  # aiohttp keeps no public handle once released
    transport = getattr(protocol, "transport", None)
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        return None
    cert = x509.load_der_x509_certificate(der)
    common_names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    sans: list[str] = []
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        pass
    else:
        sans += [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]
        sans += ext.get_values_for_type(x509.UniformResourceIdentifier)
        sans += ext.get_values_for_type(x509.DNSName)
        sans += ext.get_values_for_type(x509.RFC822Name)
    left = cert.not_valid_after_utc - datetime.now(UTC)
    return CertInfo(
        issuer=cert.issuer.rfc4514_string(),
        common_name=str(common_names[0].value) if common_names else "",
        sans=tuple(sans),
        seconds_left=int(left.total_seconds()),
    )


def guess_content_type(body: str) -> str:
    """``auto_content_type``: JSON bodies are ``application/json``, ``a=b&c=d`` bodies are a form,
    anything else is ``text/plain``."""
    stripped = body.strip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            return "application/json"
    if "=" in stripped and " " not in stripped and parse_qsl(stripped, strict_parsing=False):
        return "application/x-www-form-urlencoded"
    return "text/plain"


def describe_error(exc: BaseException) -> str:
    """The part of Go's ``*url.Error`` text after ``Get "<url>": `` for a failed request."""
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"tls: failed to verify certificate: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return f"tls: {exc.os_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _dial_error(exc)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "EOF"
    if isinstance(exc, aiohttp.TooManyRedirects):
        return "stopped after 10 redirects"
    text = str(exc)
    return text or type(exc).__name__


def _dial_error(exc: aiohttp.ClientConnectorError) -> str:
    where = f"{exc.host}:{exc.port}"
    os_error = exc.os_error
    if isinstance(os_error, socket.gaierror):
        return f"dial tcp: lookup {exc.host}: no such host"
    if os_error.errno == errno.ECONNREFUSED:
        return f"dial tcp {where}: connect: connection refused"
    if os_error.errno is not None and os_error.strerror:
        return f"dial tcp {where}: connect: {os_error.strerror.lower()}"
    return f"dial tcp {where}: {os_error}"
