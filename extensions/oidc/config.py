"""Configuration of the ``oidc`` extension (contrib ``oidcauthextension``).

The top-level ``issuer_url``/``audience``/... keys are Go's deprecated single-provider form; when
any is set they make a provider placed before the ``providers`` list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_ATTRIBUTE = "authorization"

ERR_NO_AUDIENCE = "no Audience provided for the OIDC configuration"
ERR_NO_ISSUER = "no IssuerURL provided for the OIDC configuration"
ERR_IGNORE_ISSUER_MULTI = "ignore_issuer cannot be true when multiple providers are configured"
ERR_NO_SUPPORTED_KEYS = "file contains no supported keys (supported types are RSA, ECDSA, and ED25519)"


@dataclass
class ProviderConfig:
    issuer_url: str = ""
    audience: str = ""
    ignore_audience: bool = False
    ignore_issuer: bool = False
    issuer_ca_path: str = ""
    username_claim: str = ""
    groups_claim: str = ""
    public_keys_file: str = ""

    def validate(self) -> None:
        """Go validates each ``providers`` entry on its own too (``providers::<i>: ...``), besides
        the extension-level check: its errors appear twice, and so they do here."""
        problem = self.problem()
        if problem is not None:
            raise ValueError(problem)

    def problem(self) -> str | None:
        """Go's ProviderCfg.Validate: the first failing rule."""
        if not self.audience and not self.ignore_audience:
            return ERR_NO_AUDIENCE
        if not self.issuer_url:
            return ERR_NO_ISSUER
        if self.public_keys_file:
            from .keysfile import read_keys_file  # the file is read at validate time, as in Go

            try:
                read_keys_file(self.public_keys_file)
            except ValueError as exc:
                return f'invalid public_keys_file "{self.public_keys_file}": {exc}'
        return None


@dataclass
class Config:
    attribute: str = DEFAULT_ATTRIBUTE
    # Deprecated single-provider form (Go keeps it; use providers).
    issuer_url: str = ""
    audience: str = ""
    ignore_audience: bool = False
    issuer_ca_path: str = ""
    username_claim: str = ""
    groups_claim: str = ""
    providers: list[ProviderConfig] = field(default_factory=list)

    def legacy_provider(self) -> ProviderConfig | None:
        if not any(
            (
                self.issuer_url,
                self.audience,
                self.ignore_audience,
                self.issuer_ca_path,
                self.username_claim,
                self.groups_claim,
            )
        ):
            return None
        return ProviderConfig(
            issuer_url=self.issuer_url,
            audience=self.audience,
            ignore_audience=self.ignore_audience,
            issuer_ca_path=self.issuer_ca_path,
            username_claim=self.username_claim,
            groups_claim=self.groups_claim,
        )

    def provider_configs(self) -> list[ProviderConfig]:
        """The legacy provider (if any) first, then ``providers``."""
        legacy = self.legacy_provider()
        return ([legacy] if legacy is not None else []) + list(self.providers)

    def validate(self) -> None:
        errors: list[str] = []
        seen: set[str] = set()
        providers = self.provider_configs()
        for provider in providers:
            if len(providers) > 1 and provider.ignore_issuer:
                errors.append(ERR_IGNORE_ISSUER_MULTI)
            if provider.issuer_url in seen:
                errors.append(f"duplicate issuer URL found: {provider.issuer_url}")
                continue
            seen.add(provider.issuer_url)
            problem = provider.problem()
            if problem is not None:
                errors.append(problem)
        if errors:
            raise ValueError("; ".join(errors))  # Go's multierr text
