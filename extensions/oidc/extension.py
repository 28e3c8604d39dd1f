"""The oidc server authenticator: ``<attribute>: <scheme> <JWT>`` checked against an OIDC provider.

Like Go, the scheme word itself is not checked (any two space-separated parts pass the format
check); the token picks its provider by its (unverified) ``iss`` unless only one provider is
configured. Auth data (what ``from_context: auth.<name>`` reads): ``subject``, ``membership``
(the groups), ``raw`` (the token) and ``claims.<claim>`` for every claim of the token.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from pyotelcol.component import Host, Settings
from pyotelcol.extension import AuthError
from pyotelcol.helpers.filewatch import FileWatch, os_error_text

from . import jose
from .config import Config, ProviderConfig
from .keysfile import parse_keys
from .provider import CAFileError, Provider, StaticKeys, VerifyError, discover, go_json_kind

ERR_NOT_AUTHENTICATED = "authentication didn't succeed"
ERR_HEADER_FORMAT = "invalid authorization header format"
ERR_CLAIM_NOT_FOUND = "username claim from the OIDC configuration not found on the token returned by the OIDC provider"
ERR_USERNAME_NOT_STRING = "the username returned by the OIDC provider isn't a regular string"
ERR_GROUPS_NOT_FOUND = "groups claim from the OIDC configuration not found on the token returned by the OIDC provider"


def go_value_text(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", v)`` for a JSON-decoded value (a group that is not a string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, list):
        return "[" + " ".join(go_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value_text(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def subject_of(claims: Mapping[str, Any], username_claim: str) -> str:
    if not username_claim:
        sub = claims.get("sub", "")
        return sub if isinstance(sub, str) else ""
    if username_claim not in claims:
        raise AuthError(f"failed to get subject from claims in the token: {ERR_CLAIM_NOT_FOUND}")
    username = claims[username_claim]
    if not isinstance(username, str):
        raise AuthError(f"failed to get subject from claims in the token: {ERR_USERNAME_NOT_STRING}")
    return username


def groups_of(claims: Mapping[str, Any], groups_claim: str) -> list[str]:
    if not groups_claim:
        return []
    if groups_claim not in claims:
        raise AuthError(f"failed to get groups from claims in the token: {ERR_GROUPS_NOT_FOUND}")
    raw = claims[groups_claim]
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list):
        return [go_value_text(v) for v in raw]
    return []  # Go leaves other types (numbers, objects) as no groups


def unverified_issuer(raw: str) -> str:
    """The ``iss`` of a token before any check, only to choose the provider."""
    try:
        jws = jose.parse_compact(raw, jose.ALL_ALGS)
    except jose.JoseError as exc:
        raise AuthError(f"failed to parse the token: oidc: malformed jws: {exc}") from None
    prefix = "failed to parse the token: oidc: failed to unmarshal claims: json: cannot unmarshal"
    try:
        payload = json.loads(jws.payload)
    except ValueError as exc:
        raise AuthError(f"failed to parse the token: oidc: failed to unmarshal claims: {exc}") from None
    if not isinstance(payload, dict):
        raise AuthError(f"{prefix} {go_json_kind(payload)} into Go value of type oidcauthextension.idToken")
    issuer = payload.get("iss", "")
    if issuer is None:
        return ""
    if not isinstance(issuer, str):
        raise AuthError(f"{prefix} {go_json_kind(issuer)} into Go struct field idToken.iss of type string")
    return issuer


class OIDCAuthenticator:
    """A ServerAuthenticator (``authenticate``); providers are set up in ``start``."""

    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._logger = settings.telemetry.logger
        self._attribute = (cfg.attribute or "authorization").lower()
        self._configs = cfg.provider_configs()
        self._providers: dict[str, Provider] = {}
        self._watches: list[FileWatch] = []
        self._pending_watches: list[tuple[Provider, FileWatch]] = []

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: Host) -> None:
        errors: list[str] = []
        for pcfg in self._configs:
            try:
                self._providers[pcfg.issuer_url] = await self._provider(pcfg)
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            await self.shutdown()
            raise ValueError(
                "failed to get configuration from at least one configured auth server: " + "; ".join(errors)
            )
        for provider, watch in self._pending_watches:
            self._watch_keys_file(provider, watch)
        self._pending_watches = []

    async def _provider(self, pcfg: ProviderConfig) -> Provider:
        if pcfg.public_keys_file:
            return await self._file_provider(pcfg)
        try:
            return await discover(pcfg)
        except CAFileError:
            raise  # Go: these have enough context already
        except ValueError as exc:
            raise ValueError(f'failed to create OIDC provider for "{pcfg.issuer_url}": {exc}') from None

    async def _file_provider(self, pcfg: ProviderConfig) -> Provider:
        path = os.path.abspath(pcfg.public_keys_file)
        watch = FileWatch(path)
        try:
            # read through the watch: it then knows this version and reloads on later changes only
            keys, algorithms = parse_keys(await watch.read())
        except OSError as exc:
            raise ValueError(
                f'failed to load JWKS file "{pcfg.public_keys_file}": could not read file: {os_error_text(path, exc)}'
            ) from None
        except ValueError as exc:
            raise ValueError(f'failed to load JWKS file "{pcfg.public_keys_file}": {exc}') from None
        provider = Provider(pcfg, pcfg.issuer_url, algorithms, StaticKeys(keys))
        self._pending_watches.append((provider, watch))
        return provider

    def _watch_keys_file(self, provider: Provider, watch: FileWatch) -> None:
        """Go watches the file's directory (fsnotify); here the file is polled. A bad new version
        is logged and the previous keys stay."""
        path = provider.cfg.public_keys_file

        def changed(data: bytes) -> None:
            try:
                keys, algorithms = parse_keys(data)
            except ValueError as exc:
                self._logger.error("failed to reload JWKS file", extra={"fields": {"file": path, "error": str(exc)}})
                return
            provider.keys = StaticKeys(keys)
            provider.algorithms = algorithms

        def failed(exc: OSError) -> None:
            self._logger.error("failed to reload JWKS file", extra={"fields": {"file": path, "error": str(exc)}})

        self._watches.append(watch)
        watch.watch(changed, failed)

    async def shutdown(self) -> None:
        self._pending_watches = []
        watches, self._watches = self._watches, []
        for watch in watches:
            await watch.stop()
        providers, self._providers = self._providers, {}
        for provider in providers.values():
            await provider.close()

    # -- server side ----------------------------------------------------------------------------

    def _header_values(self, headers: Mapping[str, list[str]]) -> list[str]:
        values = headers.get(self._attribute)
        if values is not None:
            return values
        for key, found in headers.items():
            if key.lower() == self._attribute:
                return found
        return []

    def _resolve(self, issuer: str) -> Provider:
        if len(self._providers) == 1:
            return next(iter(self._providers.values()))
        provider = self._providers.get(issuer)
        if provider is None:
            quoted = json.dumps(issuer)
            raise AuthError(
                f"failed to resolve OIDC provider for the issuer {quoted}: no OIDC provider configured for the issuer {quoted}"
            )
        return provider

    def _refuse(self, what: str, error: str) -> None:
        self._logger.warning(f"Authentication failed: {what}", extra={"fields": {"error": error}})

    async def authenticate(self, headers: Mapping[str, list[str]]) -> Mapping[str, Any]:
        try:
            return await self._authenticate(headers)
        except AuthError as exc:
            self._refuse("token rejected", str(exc))
            raise

    async def _authenticate(self, headers: Mapping[str, list[str]]) -> Mapping[str, Any]:
        values = self._header_values(headers)
        if not values:
            raise AuthError(ERR_NOT_AUTHENTICATED)
        parts = values[0].split(" ")  # only the first value counts
        if len(parts) != 2:
            raise AuthError(ERR_HEADER_FORMAT)
        raw = parts[1]
        provider = self._resolve(unverified_issuer(raw))
        try:
            claims = await provider.verify(raw)
        except VerifyError as exc:
            raise AuthError(f"failed to verify token: {exc}") from None
        subject = subject_of(claims, provider.cfg.username_claim)
        membership = groups_of(claims, provider.cfg.groups_claim)
        data: dict[str, Any] = {"subject": subject, "membership": membership, "raw": raw}
        data.update((f"claims.{name}", value) for name, value in claims.items())
        return data

    def __repr__(self) -> str:
        return f"OIDCAuthenticator(providers={[c.issuer_url for c in self._configs]!r})"
