"""An OpAMP client with opamp-go's message behaviour, over the WebSocket or HTTP transport.

Messages (the OpAMP spec, as opamp-go sends them):

- the first message after every (re)connection carries the agent description, capabilities,
  effective config, remote config status, health and the available components' hash;
- later messages carry only what changed, each with the next ``sequence_num``;
- a server's ``ReportFullState`` flag gets everything again, ``ReportAvailableComponents`` the full
  component list; ``AgentIdentification`` replaces the instance UID;
- WebSocket frames are binary, a 0 header byte (varint) then the protobuf; the connection is
  re-established with exponential backoff; stopping sends ``AgentDisconnect``;
- HTTP POSTs ``application/x-protobuf`` and polls every ``polling_interval`` when idle; a failed
  request is retried with exponential backoff (or the server's ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from . import opamp_pb2 as pb

USER_AGENT = "pyotelcol-opamp-client"
CONTENT_TYPE = "application/x-protobuf"
_INITIAL_BACKOFF = 0.5
_MAX_BACKOFF = 30.0
#: Failures worth another attempt later (LookupError: the authenticator extension is not up yet).
_RETRIABLE = (aiohttp.ClientError, OSError, TimeoutError, LookupError)


_OWN_TELEMETRY = (
    ("metrics", pb.AgentCapabilities_ReportsOwnMetrics),
    ("traces", pb.AgentCapabilities_ReportsOwnTraces),
    ("logs", pb.AgentCapabilities_ReportsOwnLogs),
)


@dataclass
class ClientCallbacks:
    effective_config: Callable[[], pb.EffectiveConfig | None]
    on_remote_config: Callable[[pb.AgentRemoteConfig], None]
    #: (signal, offer) for own_metrics / own_traces / own_logs offers the agent's capabilities allow
    on_own_telemetry: Callable[[str, pb.TelemetryConnectionSettings], None]
    headers: Callable[[], Awaitable[Mapping[str, str]]]


class OpAMPClient:
    def __init__(
        self,
        instance_uid: bytes,
        capabilities: int,
        description: pb.AgentDescription,
        available: pb.AvailableComponents | None,
        callbacks: ClientCallbacks,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
    ) -> None:
        self.instance_uid = instance_uid
        self.capabilities = capabilities
        self.description = description
        self.available = available
        self.health: pb.ComponentHealth | None = None
        self.remote_config_status: pb.RemoteConfigStatus | None = None
        self._callbacks = callbacks
        self._log = logger
        self._next = pb.AgentToServer()
        self._pending = False
        self._seq = 0
        self._wake = asyncio.Event()

    # -- state the agent changes ----------------------------------------------------------------
    def has(self, capability: int) -> bool:
        return bool(self.capabilities & capability)

    def set_health(self, health: pb.ComponentHealth) -> None:
        self.health = health
        self._update(lambda m: m.health.CopyFrom(health))

    def set_remote_config_status(self, status: pb.RemoteConfigStatus) -> None:
        self.remote_config_status = status
        self._update(lambda m: m.remote_config_status.CopyFrom(status))

    def update_effective_config(self, cfg: pb.EffectiveConfig) -> None:
        self._update(lambda m: m.effective_config.CopyFrom(cfg))

    def _update(self, change: Callable[[pb.AgentToServer], None]) -> None:
        change(self._next)
        self._pending = True
        self._wake.set()

    def prepare_first_message(self) -> None:
        """Everything the server needs after a (re)connection (opamp-go's PrepareFirstMessage)."""
        cfg = self._callbacks.effective_config()

        def fill(m: pb.AgentToServer) -> None:
            m.agent_description.CopyFrom(self.description)
            if cfg is not None:
                m.effective_config.CopyFrom(cfg)
            if self.remote_config_status is not None:
                m.remote_config_status.CopyFrom(self.remote_config_status)
            if self.health is not None:
                m.health.CopyFrom(self.health)
            if self.available is not None:
                m.available_components.CopyFrom(pb.AvailableComponents(hash=self.available.hash))

        self._update(fill)

    def _full_state(self) -> None:
        self.prepare_first_message()
        self._send_available_components()

    def _send_available_components(self) -> None:
        available = self.available
        if available is not None:
            self._update(lambda m: m.available_components.CopyFrom(available))

    def pop(self, force: bool = False) -> pb.AgentToServer | None:
        """The pending message (or, with ``force``, a bare status one) with its sequence number."""
        if not self._pending and not force:
            return None
        msg = self._next
        msg.instance_uid = self.instance_uid
        msg.sequence_num = self._seq
        msg.capabilities = self.capabilities
        self._seq += 1
        self._next = pb.AgentToServer()
        self._pending = False
        self._wake.clear()
        return msg

    async def wait_pending(self, timeout: float | None = None) -> bool:
        if self._pending:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        return self._pending

    # -- what the server says -------------------------------------------------------------------
    def process(self, msg: pb.ServerToAgent) -> float | None:
        """Act on a ServerToAgent; a delay (seconds) when the server asks to retry later."""
        if msg.flags & pb.ServerToAgentFlags_ReportFullState:
            self._full_state()
        if msg.flags & pb.ServerToAgentFlags_ReportAvailableComponents:
            self._send_available_components()
        if msg.HasField("agent_identification"):
            new_uid = msg.agent_identification.new_instance_uid
            if len(new_uid) == 16:
                self._log.debug("OpAMP agent identity is being changed")
                self.instance_uid = new_uid
            else:
                self._log.error(f"instance uid must be 16 bytes but is {len(new_uid)} bytes long")
        if msg.HasField("remote_config"):
            if self.has(pb.AgentCapabilities_AcceptsRemoteConfig):
                self._callbacks.on_remote_config(msg.remote_config)
            else:
                self._log.debug("Ignoring RemoteConfig, agent does not have AcceptsRemoteConfig capability")
        if msg.HasField("connection_settings"):
            offers = msg.connection_settings
            for signal, capability in _OWN_TELEMETRY:
                if not offers.HasField(f"own_{signal}"):
                    continue
                if self.has(capability):
                    self._callbacks.on_own_telemetry(signal, getattr(offers, f"own_{signal}"))
                else:
                    self._log.debug(f"Ignoring own {signal} settings, the agent does not report its own {signal}")
        if msg.HasField("error_response"):
            err = msg.error_response
            self._log.error("OpAMP server returned an error response", extra={"fields": {"message": err.error_message}})
            if err.type == pb.ServerErrorResponseType_Unavailable and err.HasField("retry_info"):
                return err.retry_info.retry_after_nanoseconds / 1e9
        return None


class Backoff:
    """Exponential backoff between attempts, reset after a success."""

    def __init__(self) -> None:
        self.delay = _INITIAL_BACKOFF

    def next(self, at_least: float = 0.0) -> float:
        current = max(self.delay, at_least)
        self.delay = min(current * 1.5, _MAX_BACKOFF)
        return current

    def reset(self) -> None:
        self.delay = _INITIAL_BACKOFF


def encode_ws(msg: pb.AgentToServer) -> bytes:
    return b"\x00" + msg.SerializeToString()


def decode_ws(frame: bytes) -> pb.ServerToAgent:
    """A WebSocket frame: a varint header (0 today; skipped whatever its value) and the message."""
    pos = 0
    while pos < len(frame) and frame[pos] & 0x80:
        pos += 1
    return pb.ServerToAgent.FromString(frame[pos + 1 :])


class Transport:
    def __init__(
        self,
        client: OpAMPClient,
        session: aiohttp.ClientSession,
        url: str,
        headers: Mapping[str, str],
        ssl_context: ssl.SSLContext | None,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
    ) -> None:
        self.client = client
        self.session = session
        self.url = url
        self.static_headers = dict(headers)
        self.ssl: Any = ssl_context if ssl_context is not None else None
        self.log = logger
        self.stopping = False

    async def headers(self) -> dict[str, str]:
        out = {"User-Agent": USER_AGENT, **self.static_headers}
        out.update(await self.client._callbacks.headers())
        return out

    async def run(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        self.stopping = True


class WebSocketTransport(Transport):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def run(self) -> None:
        backoff = Backoff()
        while not self.stopping:
            retry_after = 0.0
            try:
                async with self.session.ws_connect(
                    self.url, headers=await self.headers(), ssl=self.ssl, autoping=True
                ) as ws:
                    self._ws = ws
                    self.log.debug("Connected to the OpAMP server")
                    backoff.reset()
                    self.client.prepare_first_message()
                    retry_after = await self._exchange(ws)
            except _RETRIABLE as exc:
                if self.stopping:
                    return
                self.log.error("Failed to connect to the OpAMP server", extra={"fields": {"error": str(exc)}})
            except Exception as exc:  # whatever happens, the client keeps trying
                if self.stopping:
                    return
                self.log.exception("OpAMP connection failed", extra={"fields": {"error": str(exc)}})
            finally:
                self._ws = None
            if self.stopping:
                return
            await asyncio.sleep(backoff.next(retry_after))

    async def _exchange(self, ws: aiohttp.ClientWebSocketResponse) -> float:
        """Send pending messages and handle received ones until the connection ends."""
        receiver = asyncio.ensure_future(ws.receive())
        try:
            while True:
                sender = asyncio.ensure_future(self.client.wait_pending())
                done, _ = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
                if sender not in done:
                    sender.cancel()
                if receiver in done:
                    frame = receiver.result()
                    if frame.type != aiohttp.WSMsgType.BINARY:
                        if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                            return 0.0
                    else:
                        try:
                            retry = self.client.process(decode_ws(frame.data))
                        except Exception as exc:  # a bad frame must not end the client
                            self.log.error("cannot decode the server's message", extra={"fields": {"error": str(exc)}})
                            retry = None
                        if retry is not None:
                            return retry
                    receiver = asyncio.ensure_future(ws.receive())
                msg = self.client.pop()
                if msg is not None:
                    await ws.send_bytes(encode_ws(msg))
        finally:
            receiver.cancel()

    async def stop(self) -> None:
        await super().stop()
        ws = self._ws
        if ws is not None and not ws.closed:
            msg = self.client.pop(force=True)
            assert msg is not None
            msg.agent_disconnect.SetInParent()
            with contextlib.suppress(Exception):
                await ws.send_bytes(encode_ws(msg))
            with contextlib.suppress(Exception):
                await ws.close()


class HTTPTransport(Transport):
    def __init__(self, *args: Any, polling_interval: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.polling_interval = polling_interval

    async def run(self) -> None:
        self.client.prepare_first_message()
        while not self.stopping:
            await self.client.wait_pending(self.polling_interval)
            if self.stopping:
                return
            msg = self.client.pop(force=True)
            assert msg is not None
            await self._send(msg)

    async def _send(self, msg: pb.AgentToServer) -> None:
        """POST until the server takes it (opamp-go retries the same request forever)."""
        body = msg.SerializeToString()
        backoff = Backoff()
        while not self.stopping:
            retry_after = 0.0
            try:
                headers = {**await self.headers(), "Content-Type": CONTENT_TYPE}
                async with self.session.post(self.url, data=body, headers=headers, ssl=self.ssl) as resp:
                    payload = await resp.read()
                    if resp.status == 200:
                        retry = self.client.process(pb.ServerToAgent.FromString(payload))
                        if retry is None:
                            return
                        retry_after = retry
                    else:
                        retry_after = _retry_after(resp.headers.get("Retry-After", ""))
                        self.log.error(
                            "Failed to connect to the OpAMP server",
                            extra={"fields": {"error": f"invalid response from server: {resp.status}"}},
                        )
            except _RETRIABLE as exc:
                self.log.error("Failed to connect to the OpAMP server", extra={"fields": {"error": str(exc)}})
            except Exception as exc:  # an undecodable answer: try again later
                self.log.error("cannot decode the server's message", extra={"fields": {"error": str(exc)}})
            await asyncio.sleep(backoff.next(retry_after))


def _retry_after(value: str) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0
