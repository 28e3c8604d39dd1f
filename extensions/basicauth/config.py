"""Configuration of the ``basicauth`` extension (contrib ``basicauthextension``).

One instance is either a server authenticator (``htpasswd``) or a client authenticator
(``client_auth``), never both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.config import OptionalSection

# {"opaque": True}: printed as [REDACTED] by print-initial-config; repr=False keeps the value
# out of log lines that format the config.
_OPAQUE = {"opaque": True}


@dataclass
class HtpasswdSettings:
    file: str = ""
    # Not opaque in Go, but it commonly holds `user:plain-password` lines (see the README).
    inline: str = field(default="", repr=False, metadata=_OPAQUE)


@dataclass
class ClientAuthSettings:
    username: str = ""
    username_file: str = ""
    password: str = field(default="", repr=False, metadata=_OPAQUE)
    password_file: str = ""


@dataclass
class Config:
    htpasswd: OptionalSection[HtpasswdSettings] = field(default_factory=lambda: OptionalSection.none(HtpasswdSettings))
    client_auth: OptionalSection[ClientAuthSettings] = field(
        default_factory=lambda: OptionalSection.none(ClientAuthSettings)
    )

    def validate(self) -> None:
        server, client = self.htpasswd.enabled, self.client_auth.enabled
        if server and client:
            raise ValueError("only one of `htpasswd` or `client_auth` can be specified")
        if not server and not client:
            raise ValueError("no credential source provided")
