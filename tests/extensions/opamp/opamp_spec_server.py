"""A minimal OpAMP server written from the OpAMP specification (not from any implementation), so
the protocol is checked where Go is not installed: HTTP (POST of a protobuf AgentToServer,
answered with a ServerToAgent) and WebSocket (binary frames: a varint header, 0, then the
protobuf) on one path. It records every AgentToServer, answers with its capabilities, offers a
remote config until the agent reports that config's hash, and can ask for a full state report.
It runs its own event loop in a thread, beside the collector under test.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web
from pyotelcol.extensions.opamp import opamp_pb2 as pb

SERVER_CAPABILITIES = (
    pb.ServerCapabilities_AcceptsStatus
    | pb.ServerCapabilities_OffersRemoteConfig
    | pb.ServerCapabilities_AcceptsEffectiveConfig
)


class SpecServer:
    def __init__(self, port: int, ssl_context: ssl.SSLContext | None = None) -> None:
        self.port = port
        self._ssl = ssl_context
        self.url_path = "/v1/opamp"
        self.received: list[tuple[str, dict[str, str], pb.AgentToServer]] = []
        self._lock = threading.Lock()
        self._offer: pb.AgentRemoteConfig | None = None
        self._full_state = False
        self._sockets: set[web.WebSocketResponse] = set()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # -- control from the test ------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(20)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def offer(self, yaml_body: bytes) -> bytes:
        """Offer a remote config (pushed at once to WebSocket agents); returns its hash."""
        digest = hashlib.sha256(yaml_body).digest()
        offer = pb.AgentRemoteConfig(config_hash=digest)
        offer.config.config_map["collector.yaml"].CopyFrom(pb.AgentConfigFile(body=yaml_body, content_type="text/yaml"))
        with self._lock:
            self._offer = offer
        self._push(pb.ServerToAgent(remote_config=offer))
        return digest

    def offer_own_telemetry(self, endpoints: dict[str, str], headers: dict[str, str]) -> None:
        """Offer destinations for the agent's own telemetry (``{"metrics": url, ...}``), pushed
        at once to WebSocket agents."""
        msg = pb.ServerToAgent()
        for signal, endpoint in endpoints.items():
            settings = getattr(msg.connection_settings, f"own_{signal}")
            settings.destination_endpoint = endpoint
            for key, value in headers.items():
                settings.headers.headers.add(key=key, value=value)
        self._push(msg)

    def request_full_state(self) -> None:
        with self._lock:
            self._full_state = True
        self._push(pb.ServerToAgent(flags=pb.ServerToAgentFlags_ReportFullState))

    def messages(self) -> list[pb.AgentToServer]:
        with self._lock:
            return [m for _, _, m in self.received]

    def wait_for(self, predicate: Callable[[pb.AgentToServer], bool], timeout: float = 20.0) -> pb.AgentToServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for msg in self.messages():
                if predicate(msg):
                    return msg
            time.sleep(0.05)
        raise AssertionError(f"no matching AgentToServer within {timeout}s; got {len(self.messages())} messages")

    # -- the server -----------------------------------------------------------------------------
    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", self.url_path, self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=self._ssl).start()

    async def _shutdown(self) -> None:
        for ws in list(self._sockets):  # connected agents see the server go away
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _push(self, msg: pb.ServerToAgent) -> None:
        if self._full_state and msg.flags & pb.ServerToAgentFlags_ReportFullState and not self._sockets:
            return  # HTTP agents get it in the next answer
        for ws in list(self._sockets):
            asyncio.run_coroutine_threadsafe(ws.send_bytes(b"\x00" + msg.SerializeToString()), self._loop)
        if self._sockets and msg.flags & pb.ServerToAgentFlags_ReportFullState:
            with self._lock:
                self._full_state = False

    def _answer(self, transport: str, headers: dict[str, str], msg: pb.AgentToServer) -> pb.ServerToAgent:
        with self._lock:
            self.received.append((transport, headers, msg))
            out = pb.ServerToAgent(instance_uid=msg.instance_uid, capabilities=SERVER_CAPABILITIES)
            if self._full_state:
                out.flags = pb.ServerToAgentFlags_ReportFullState
                self._full_state = False
            offer = self._offer
            if offer is not None and msg.remote_config_status.last_remote_config_hash != offer.config_hash:
                out.remote_config.CopyFrom(offer)
        return out

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.method == "GET" and headers.get("upgrade", "").lower() == "websocket":
            return await self._websocket(request, headers)
        if request.method != "POST":
            return web.Response(status=405)
        if request.content_type != "application/x-protobuf":
            return web.Response(status=415)
        msg = pb.AgentToServer.FromString(await request.read())
        answer = self._answer("http", headers, msg)
        return web.Response(body=answer.SerializeToString(), content_type="application/x-protobuf")

    async def _websocket(self, request: web.Request, headers: dict[str, str]) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            async for frame in ws:
                if frame.type != WSMsgType.BINARY:
                    continue
                data: Any = frame.data
                if not data or data[0] != 0:
                    await ws.close(message=b"bad header")
                    break
                msg = pb.AgentToServer.FromString(data[1:])
                answer = self._answer("ws", headers, msg)
                await ws.send_bytes(b"\x00" + answer.SerializeToString())
        finally:
            self._sockets.discard(ws)
        return ws

    def transports(self) -> set[str]:
        with self._lock:
            return {t for t, _, _ in self.received}

    def headers_seen(self) -> list[dict[str, str]]:
        with self._lock:
            return [h for _, h, _ in self.received]
