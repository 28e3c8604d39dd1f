"""opamp configuration (Go contrib: extension/opampextension), with Go's validation messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from pyotelcol.component import ID, IDError
from pyotelcol.config.configtls import TLSClientConfig

from .uid import parse_instance_uid

#: The OpAMP spec's suggested polling interval, Go's default when ``polling_interval`` is 0.
DEFAULT_POLLING_INTERVAL = timedelta(seconds=30)


@dataclass
class CommonFields:
    """What both transports share (Go's commonFields)."""

    endpoint: str = ""
    tls: TLSClientConfig = field(default_factory=TLSClientConfig)
    headers: dict[str, str] = field(default_factory=dict, repr=False, metadata={"opaque": True})
    #: The ID of a client authenticator extension; its headers go on every request / the upgrade.
    auth: str = ""

    def validate(self) -> None:
        if self.endpoint == "":
            raise ValueError("opamp server endpoint must be provided")
        if self.auth:
            try:
                ID.parse(self.auth)
            except IDError as exc:
                raise ValueError(str(exc)) from None


@dataclass
class HTTPFields(CommonFields):
    polling_interval: timedelta = timedelta(0)

    def validate(self) -> None:
        super().validate()
        if self.polling_interval < timedelta(0):
            raise ValueError("polling interval must be 0 or greater")


@dataclass
class ServerConfig:
    ws: CommonFields | None = None
    http: HTTPFields | None = None

    @property
    def transport(self) -> CommonFields:
        chosen = self.ws if self.ws is not None else self.http
        assert chosen is not None, "validated config has ws or http"
        return chosen

    @property
    def polling_interval(self) -> timedelta:
        if self.http is not None and self.http.polling_interval > timedelta(0):
            return self.http.polling_interval
        return DEFAULT_POLLING_INTERVAL


@dataclass
class Capabilities:
    reports_effective_config: bool = True
    reports_health: bool = True
    reports_available_components: bool = True
    #: pyotelcol addition (Go has no remote config in this extension): accept AgentRemoteConfig
    #: offers and apply them through the host's reload path; reports their status too.
    accepts_remote_config: bool = False
    #: pyotelcol additions (Go leaves them to the supervisor): send the collector's own
    #: metrics, spans, log records where the server's ConnectionSettingsOffers say.
    reports_own_metrics: bool = False
    reports_own_traces: bool = False
    reports_own_logs: bool = False


@dataclass
class AgentDescription:
    non_identifying_attributes: dict[str, str] = field(default_factory=dict)
    include_resource_attributes: bool = False


@dataclass
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    instance_uid: str = ""
    capabilities: Capabilities = field(default_factory=Capabilities)
    agent_description: AgentDescription = field(default_factory=AgentDescription)
    ppid: int = 0
    ppid_poll_interval: timedelta = timedelta(seconds=5)

    def validate(self) -> None:
        server = self.server
        if server.ws is None and server.http is None:
            raise ValueError("opamp server must have at least ws or http set")
        if server.ws is not None and server.http is not None:
            raise ValueError("opamp server must have only ws or http set")
        server.transport.validate()
        if self.instance_uid:
            try:
                parse_instance_uid(self.instance_uid)
            except ValueError:
                raise ValueError("opamp instance_uid is invalid") from None

    def endpoint_scheme(self) -> str:
        return urlsplit(self.server.transport.endpoint).scheme
