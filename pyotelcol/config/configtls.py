"""configtls: TLS settings for clients and servers (Go: config/configtls), and what they build.

Keys, defaults and messages are Go's ``configtls.ClientConfig`` / ``ServerConfig``. From a config
this module builds an ``ssl.SSLContext`` (aiohttp, client and server) or grpcio credentials.

- Versions are strings ``"1.0"`` .. ``"1.3"``; the minimum defaults to TLS 1.2.
- ``*_pem`` values are opaque (printed ``[REDACTED]``).
- ``reload_interval`` > 0 re-reads certificate and key (and CA) files: clients ask
  ``ClientTLSReloader.context()`` per request; servers rebuild their context when due
  (``pyotelcol.helpers.tlsreload``, used by the HTTP and gRPC server builders).
- ``cipher_suites`` take Go's (IANA) names and apply to TLS <= 1.2, as in Go.
  ``curve_preferences`` are checked against Go's names; with exactly one entry it is applied,
  otherwise OpenSSL's default group list is used.
- Limits of grpcio (documented for the exporter): no ``min_version``/``max_version``/cipher control
  on gRPC channels, and ``insecure_skip_verify`` trusts the certificate the server presents
  (fetched at connect time) instead of skipping verification.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

__all__ = [
    "TLS_VERSIONS",
    "ClientTLSReloader",
    "TLSClientConfig",
    "TLSConfig",
    "TLSServerConfig",
    "TPMConfig",
    "fetch_server_certificate",
]

TLS_VERSIONS: dict[str, ssl.TLSVersion] = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}
_DEFAULT_MIN_VERSION = ssl.TLSVersion.TLSv1_2

# Go's crypto/tls names -> OpenSSL names (TLS <= 1.2; TLS 1.3 suites are not configurable).
_SECURE_SUITES = {
    "TLS_AES_128_GCM_SHA256": "",
    "TLS_AES_256_GCM_SHA384": "",
    "TLS_CHACHA20_POLY1305_SHA256": "",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
}
_INSECURE_SUITES = {
    "TLS_RSA_WITH_RC4_128_SHA": "RC4-SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA": "DES-CBC3-SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256": "AES128-SHA256",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA": "ECDHE-ECDSA-RC4-SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA": "ECDHE-RSA-RC4-SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA": "ECDHE-RSA-DES-CBC3-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": "ECDHE-ECDSA-AES128-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": "ECDHE-RSA-AES128-SHA256",
}
_CURVES = {"P256": "prime256v1", "P384": "secp384r1", "P521": "secp521r1", "X25519": "X25519", "X25519MLKEM768": ""}


def _os_error(exc: OSError, path: str) -> str:
    text = exc.strerror or str(exc)
    return f"open {path}: {text[:1].lower()}{text[1:]}"


def _convert_version(value: str, default: ssl.TLSVersion | None) -> ssl.TLSVersion | None:
    if value == "":
        return default
    if value not in TLS_VERSIONS:
        raise ValueError(f'unsupported TLS version: "{value}"')
    return TLS_VERSIONS[value]


@dataclass
class TPMConfig:
    auth: str = ""
    enabled: bool = False
    owner_auth: str = ""
    path: str = ""


@dataclass
class TLSConfig:
    """configtls.Config: what clients and servers share."""

    ca_file: str = ""
    ca_pem: str = field(default="", metadata={"opaque": True})
    cert_file: str = ""
    cert_pem: str = field(default="", metadata={"opaque": True})
    key_file: str = ""
    key_pem: str = field(default="", metadata={"opaque": True})
    include_system_ca_certs_pool: bool = False
    min_version: str = ""
    max_version: str = ""
    cipher_suites: list[str] = field(default_factory=list)
    curve_preferences: list[str] = field(default_factory=list)
    include_insecure_cipher_suites: bool = False
    reload_interval: timedelta = timedelta(0)
    tpm: TPMConfig = field(default_factory=TPMConfig)

    # -- checks -------------------------------------------------------------------------------
    @property
    def has_ca(self) -> bool:
        return bool(self.ca_file or self.ca_pem)

    @property
    def has_cert(self) -> bool:
        return bool(self.cert_file or self.cert_pem)

    @property
    def has_key(self) -> bool:
        return bool(self.key_file or self.key_pem)

    def validate(self) -> None:
        if self.ca_file and self.ca_pem:
            raise ValueError("provide either a CA file or the PEM-encoded string, but not both")
        if self.cert_file and self.cert_pem:
            raise ValueError("provide either certificate file or PEM, but not both")
        if self.key_file and self.key_pem:
            raise ValueError("provide either key file or PEM, but not both")
        if self.has_cert != self.has_key:
            raise ValueError(
                "TLS configuration must include both certificate and key (CertFile/CertPem and KeyFile/KeyPem)"
            )
        try:
            min_v = _convert_version(self.min_version, _DEFAULT_MIN_VERSION)
        except ValueError as exc:
            raise ValueError(f"invalid TLS min_version: {exc}") from None
        try:
            max_v = _convert_version(self.max_version, None)
        except ValueError as exc:
            raise ValueError(f"invalid TLS max_version: {exc}") from None
        if max_v is not None and min_v is not None and max_v < min_v:
            raise ValueError("invalid TLS configuration: min_version cannot be greater than max_version")

    # -- loading ------------------------------------------------------------------------------
    def _versions(self) -> tuple[ssl.TLSVersion, ssl.TLSVersion | None]:
        try:
            min_v = _convert_version(self.min_version, _DEFAULT_MIN_VERSION)
        except ValueError as exc:
            raise ValueError(f"invalid TLS min_version: {exc}") from None
        try:
            max_v = _convert_version(self.max_version, None)
        except ValueError as exc:
            raise ValueError(f"invalid TLS max_version: {exc}") from None
        assert min_v is not None
        return min_v, max_v

    def _openssl_ciphers(self) -> list[str]:
        table = dict(_SECURE_SUITES)
        if self.include_insecure_cipher_suites:
            table.update(_INSECURE_SUITES)
        errors = [f'invalid TLS cipher suite: "{s}"' for s in self.cipher_suites if s not in table]
        if errors:
            raise ValueError("\n".join(errors))
        return [table[s] for s in self.cipher_suites if table[s]]

    def _check_curves(self) -> list[str]:
        for curve in self.curve_preferences:
            if curve not in _CURVES:
                raise ValueError(f"invalid curve type: {curve}. Expected values are [{' '.join(sorted(_CURVES))}]")
        return [_CURVES[c] for c in self.curve_preferences]

    def read_ca(self) -> bytes | None:
        """The configured CA bundle (PEM bytes), or None; Go's wording on failures."""
        if self.ca_file and self.ca_pem:
            raise ValueError(
                "failed to load CA CertPool: provide either a CA file or the PEM-encoded string, but not both"
            )
        if self.ca_file:
            try:
                with open(self.ca_file, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                raise ValueError(
                    f"failed to load CA CertPool File: failed to load cert {self.ca_file}: {_os_error(exc, self.ca_file)}"
                ) from None
            if b"-----BEGIN CERTIFICATE-----" not in data:
                raise ValueError("failed to load CA CertPool File: failed to parse cert")
            return data
        if self.ca_pem:
            data = self.ca_pem.encode()
            if b"-----BEGIN CERTIFICATE-----" not in data:
                raise ValueError("failed to load CA CertPool PEM: failed to parse cert")
            return data
        return None

    def read_key_pair(self) -> tuple[bytes, bytes] | None:
        """(certificate chain, private key) PEM bytes, or None without a certificate."""
        if not self.has_cert and not self.has_key:
            return None
        if self.tpm.enabled:
            raise ValueError("failed to load TLS cert and key: TPM-backed keys are not supported by pyotelcol")

        def read(path: str, pem: str) -> bytes:
            if path:
                try:
                    with open(path, "rb") as fh:
                        return fh.read()
                except OSError as exc:
                    raise ValueError(f"failed to load TLS cert and key: {_os_error(exc, path)}") from None
            return pem.encode()

        cert = read(self.cert_file, self.cert_pem)
        key = read(self.key_file, self.key_pem)
        if b"-----BEGIN" not in cert:
            raise ValueError(
                "failed to load TLS cert and key: failed to load TLS cert and key PEMs: "
                "tls: failed to find any PEM data in certificate input"
            )
        if b"-----BEGIN" not in key:
            raise ValueError(
                "failed to load TLS cert and key: failed to load TLS cert and key PEMs: "
                "tls: failed to find any PEM data in key input"
            )
        return cert, key

    def _base_context(self, protocol: int) -> ssl.SSLContext:
        min_v, max_v = self._versions()
        ciphers = self._openssl_ciphers()
        curves = self._check_curves()
        ctx = ssl.SSLContext(protocol)
        ctx.minimum_version = min_v
        if max_v is not None:
            ctx.maximum_version = max_v
        if ciphers:
            try:
                ctx.set_ciphers(":".join(ciphers))
            except ssl.SSLError:
                raise ValueError(f"invalid TLS cipher suite: none of {self.cipher_suites} is available") from None
        if len(curves) == 1 and curves[0]:
            ctx.set_ecdh_curve(curves[0])
        return ctx

    def _load_key_pair(self, ctx: ssl.SSLContext) -> None:
        pair = self.read_key_pair()
        if pair is None:
            return
        cert, key = pair
        # ssl can only load certificates from files: PEM strings go through a private temp dir.
        with tempfile.TemporaryDirectory(prefix="pyotelcol-tls-") as tmp:
            cert_path, key_path = self.cert_file, self.key_file
            if not cert_path:
                cert_path = os.path.join(tmp, "cert.pem")
                _write_private(cert_path, cert)
            if not key_path:
                key_path = os.path.join(tmp, "key.pem")
                _write_private(key_path, key)
            try:
                ctx.load_cert_chain(cert_path, key_path)
            except ssl.SSLError as exc:
                reason = "private key does not match public key" if "KEY_VALUES_MISMATCH" in str(exc) else str(exc)
                raise ValueError(
                    f"failed to load TLS cert and key: failed to load TLS cert and key PEMs: tls: {reason}"
                ) from None
            except OSError as exc:
                raise ValueError(f"failed to load TLS cert and key: {exc}") from None


def _write_private(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _system_roots_pem() -> bytes:
    """The system CA bundle as PEM (for grpcio, which takes roots as bytes)."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            with open(candidate, "rb") as fh:
                return fh.read()
    return b""


@dataclass
class TLSClientConfig(TLSConfig):
    """configtls.ClientConfig. For gRPC, ``insecure: false`` (the default) means TLS is used."""

    insecure: bool = False
    insecure_skip_verify: bool = False
    server_name_override: str = ""

    def uses_tls(self) -> bool:
        """Go's LoadTLSConfig returns no TLS config when insecure and no CA is given."""
        return not (self.insecure and not self.has_ca)

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client SSLContext, or None when ``insecure`` without a CA (Go returns no TLS config).

        Raises ValueError with Go's wording (``failed to load TLS config: ...``)."""
        if not self.uses_tls():
            return None
        return self.build_ssl_context()

    def build_ssl_context(self) -> ssl.SSLContext:
        try:
            ca = self.read_ca()
            ctx = self._base_context(ssl.PROTOCOL_TLS_CLIENT)
            if ca is None or self.include_system_ca_certs_pool:
                ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
            if ca is not None:
                try:
                    ctx.load_verify_locations(cadata=ca.decode("ascii", "replace"))
                except ssl.SSLError:
                    where = "File" if self.ca_file else "PEM"
                    raise ValueError(f"failed to load CA CertPool {where}: failed to parse cert") from None
            self._load_key_pair(ctx)
        except ValueError as exc:
            raise ValueError(f"failed to load TLS config: {exc}") from None
        if self.insecure_skip_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def grpc_credentials(self, trusted_server_cert: bytes | None = None) -> Any:
        """``grpc.ChannelCredentials``, or None for a plaintext channel.

        ``trusted_server_cert`` (PEM) replaces the CA when ``insecure_skip_verify`` is on (see
        ``fetch_server_certificate``)."""
        import grpc

        if not self.uses_tls():
            return None
        try:
            self._versions()
            self._openssl_ciphers()
            self._check_curves()
            ca = self.read_ca()
            pair = self.read_key_pair()
        except ValueError as exc:
            raise ValueError(f"failed to load TLS config: {exc}") from None
        roots: bytes | None = ca
        if ca is not None and self.include_system_ca_certs_pool:
            roots = _system_roots_pem() + b"\n" + ca
        if trusted_server_cert is not None:
            roots = trusted_server_cert
        if pair is None:
            return grpc.ssl_channel_credentials(root_certificates=roots)
        cert, key = pair
        return grpc.ssl_channel_credentials(root_certificates=roots, private_key=key, certificate_chain=cert)


class ClientTLSReloader:
    """Hands out the client SSLContext, rebuilt from the files once ``reload_interval`` passed.

    A failed reload keeps the previous context and is reported through ``on_error``."""

    def __init__(self, cfg: TLSClientConfig, on_error: Callable[[Exception], None] | None = None) -> None:
        self._cfg = cfg
        self._interval = cfg.reload_interval.total_seconds()
        self._ctx = cfg.build_ssl_context()
        self._next = time.monotonic() + self._interval
        self._on_error = on_error

    def context(self) -> ssl.SSLContext:
        if self._interval > 0 and time.monotonic() >= self._next:
            self._next = time.monotonic() + self._interval
            try:
                self._ctx = self._cfg.build_ssl_context()
            except ValueError as exc:
                if self._on_error is not None:
                    self._on_error(exc)
        return self._ctx


def fetch_server_certificate(host: str, port: int, server_name: str | None, timeout: float = 5.0) -> bytes:
    """The certificate a TLS server presents, as PEM, without verifying it (blocking)."""
    import socket

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, port), timeout=timeout) as sock,
        ctx.wrap_socket(sock, server_hostname=server_name or None) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ValueError("the server presented no certificate")
    return ssl.DER_cert_to_PEM_cert(der).encode()


@dataclass
class TLSServerConfig(TLSConfig):
    """configtls.ServerConfig: certificate and key for the server, optional client CA (mTLS)."""

    client_ca_file: str = ""
    client_ca_file_reload: bool = False

    def validate(self) -> None:
        super().validate()
        if not self.has_cert and not self.has_key:
            raise ValueError("TLS configuration must include both certificate and key for server connections")

    def _read_client_ca(self) -> bytes | None:
        if not self.client_ca_file:
            return None
        path = self.client_ca_file
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise ValueError(f"failed to load CA {path}: {_os_error(exc, path)}") from None
        if b"-----BEGIN CERTIFICATE-----" not in data:
            raise ValueError(f"failed to parse CA {path}")
        return data

    def build_ssl_context(self) -> ssl.SSLContext:
        """One server SSLContext from the current files (no reloading)."""
        try:
            ctx = self._base_context(ssl.PROTOCOL_TLS_SERVER)
            self.read_ca()  # Go loads (and checks) the CA pool for servers too
            self._load_key_pair(ctx)
        except ValueError as exc:
            raise ValueError(f"failed to load TLS config: {exc}") from None
        client_ca = self._read_client_ca()
        if client_ca is not None:
            if self.include_system_ca_certs_pool:
                ctx.load_default_certs(ssl.Purpose.CLIENT_AUTH)
            try:
                ctx.load_verify_locations(cadata=client_ca.decode("ascii", "replace"))
            except ssl.SSLError:
                raise ValueError(f"failed to parse CA {self.client_ca_file}") from None
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def ssl_context(self) -> ssl.SSLContext:
        """A server SSLContext from the current files: TLS 1.2 minimum unless configured, client
        certificates required and verified when ``client_ca_file`` is set. Raises ValueError
        with Go's wording. (Reloading is the server's job: build a new context when due.)"""
        return self.build_ssl_context()

    def grpc_material(self) -> tuple[bytes, bytes, bytes | None]:
        """(private key, certificate chain, client CA or None) PEM bytes for grpcio servers."""
        try:
            self._versions()
            self.read_ca()
            pair = self.read_key_pair()
        except ValueError as exc:
            raise ValueError(f"failed to load TLS config: {exc}") from None
        if pair is None:
            raise ValueError("TLS configuration must include both certificate and key for server connections")
        return pair[1], pair[0], self._read_client_ca()

    def grpc_credentials(self) -> Any:
        """Static ``grpc.ServerCredentials`` (mTLS when ``client_ca_file`` is set)."""
        import grpc

        key, cert, client_ca = self.grpc_material()
        return grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
        )
