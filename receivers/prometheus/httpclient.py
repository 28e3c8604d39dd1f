"""The HTTP client settings Prometheus shares between scraping and HTTP service discovery
(``basic_auth``, ``authorization``, ``bearer_token``, ``tls_config``): request headers and TLS."""

from __future__ import annotations

import base64
import ssl

from .promconfig import HTTPSDConfig, ScrapeConfig


def _read_secret(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def auth_headers(client: ScrapeConfig | HTTPSDConfig) -> dict[str, str]:
    """The ``Authorization`` header the settings ask for (files are read when this is called)."""
    if client.basic_auth is not None:
        password = client.basic_auth.password
        if client.basic_auth.password_file:
            password = _read_secret(client.basic_auth.password_file)
        token = base64.b64encode(f"{client.basic_auth.username}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    if client.authorization is not None:
        creds = client.authorization.credentials
        if client.authorization.credentials_file:
            creds = _read_secret(client.authorization.credentials_file)
        return {"Authorization": f"{client.authorization.type} {creds}"}
    if client.bearer_token:
        return {"Authorization": f"Bearer {client.bearer_token}"}
    return {}


def ssl_context(client: ScrapeConfig | HTTPSDConfig) -> ssl.SSLContext:
    tls = client.tls_config
    ctx = ssl.create_default_context(cafile=tls.ca_file or None)
    if tls.cert_file:
        ctx.load_cert_chain(tls.cert_file, tls.key_file or None)
    if tls.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx
