"""The running collector: extensions, pipeline graph, host, start and shutdown order.

Start: extensions (in ``service.extensions`` order), then pipeline components consumers-first
(exporters, processors from last to first, connectors, receivers last), then extensions hear
"ready". Shutdown: "not ready", receivers first down to exporters, extensions in reverse.

Reload (``reload``, and ``apply_config`` for extensions such as OpAMP): the new graph is built
against the running one, new components start consumers-first while the old ones still run,
kept receivers switch to the new pipelines, and what is no longer used shuts down afterwards
(receivers, then processors flush, then exporters drain), so nothing accepted is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..component import (
    ID,
    BuildInfo,
    Component,
    ConfigRejected,
    InstanceID,
    Kind,
    PipelineID,
    PipelineInfo,
    PipelineWatcher,
    ServiceInfo,
    Settings,
    Signal,
    Status,
    StatusEvent,
    StatusWatcher,
    TelemetrySettings,
)
from ..factories import ExtensionFactory, ReceiverFactory
from ..featuregate import Registry
from ..helpers import listen
from .config import Config
from .graph import Graph, GraphError, Node, Previous, SettingsMaker, build_graph

if TYPE_CHECKING:
    from ..admin.taps import TapHub
from .reload import ConfigDiff, code_digests

#: How long a reload waits for calls still running through the old pipelines.
DRAIN_TIMEOUT = 30.0

#: Turns a proposed config (YAML bytes, or None for "the current sources again") into a
#: validated Config; raises an exception whose text is what ``validate`` prints.
ConfigLoader = Callable[[bytes | None], Config]


class TelemetryProvider(Protocol):
    @property
    def metrics_level(self) -> object: ...

    def get_logger(
        self, component_id: ID, kind: Kind, signal: Signal | None = None, pipeline: PipelineID | None = None
    ) -> logging.Logger | logging.LoggerAdapter[logging.Logger]: ...

    def get_meter(self) -> Any: ...


class NopTelemetry:
    """Telemetry for commands that build components without running them (``validate``)."""

    metrics_level = "none"

    def get_logger(
        self, component_id: ID, kind: Kind, signal: Signal | None = None, pipeline: PipelineID | None = None
    ) -> logging.Logger:
        return logging.getLogger(f"pyotelcol.{kind}.{component_id}")

    def get_meter(self) -> Any:
        from opentelemetry.metrics import NoOpMeter

        return NoOpMeter("pyotelcol")


def settings_maker(telemetry: TelemetryProvider, build_info: BuildInfo) -> SettingsMaker:
    def make(comp_id: ID, kind: Kind, signal: Signal | None, pipeline: PipelineID | None) -> Settings:
        logger = telemetry.get_logger(comp_id, kind, signal, pipeline)
        tel = TelemetrySettings(logger, telemetry.get_meter(), str(telemetry.metrics_level))
        return Settings(comp_id, kind, tel, build_info, signal, pipeline)

    return make


def error_text(exc: BaseException) -> str:
    """An error as Go prints it: an OSError without Python's ``[Errno N]`` prefix, a file
    error as ``open <path>: <reason>`` (Go's *PathError)."""
    if isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
        if exc.filename is not None:
            return f"open {exc.filename}: {reason[:1].lower()}{reason[1:]}"
        return reason
    return str(exc)


class StartError(Exception):
    """A component that could not be created or started; ``phase`` is Go's prefix for it."""

    def __init__(self, kind: Kind, message: str, phase: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        default = "failed to start extensions" if kind is Kind.EXTENSION else "cannot start pipelines"
        self.phase = phase or default


class Service:
    def __init__(
        self,
        cfg: Config,
        telemetry: TelemetryProvider,
        build_info: BuildInfo,
        gates: Registry,
        log: Any,
        taps: TapHub | None = None,
    ) -> None:
        self.cfg = cfg
        #: the admin endpoint's tap points (``--admin-endpoint``), kept across reloads
        self.taps = taps
        self.telemetry = telemetry
        self.build_info = build_info
        self.gates = gates
        self.log = log
        self.fatal = asyncio.Event() if _has_loop() else None
        self.fatal_error: BaseException | None = None
        self._extensions: dict[ID, Component] = {}
        self._started: list[Any] = []
        self._start_time = time.time()
        self.statuses: dict[tuple[Kind, ID], Status] = {}
        # the latest event of each component (what a watcher created later is replayed), oldest
        # first: bounded by the number of components however often they report
        self._status_log: dict[tuple[Kind, ID], tuple[InstanceID, StatusEvent]] = {}
        self._watchers: list[StatusWatcher] = []
        self._settings = settings_maker(telemetry, build_info)
        self.graph: Graph = build_graph(cfg, self._settings, log, taps=taps)
        self.config_loader: ConfigLoader | None = None
        #: the YAML of the last config applied through ``apply_config`` (what SIGHUP reloads)
        self.remote_config: bytes | None = None
        self._reload_lock = asyncio.Lock()
        self._code = code_digests(cfg)  # the Python files components load, as of this config

    # -- Host ---------------------------------------------------------------------------------
    def get_extensions(self) -> Mapping[ID, Component]:
        return self._extensions

    def report_fatal_error(self, err: BaseException) -> None:
        self.log.error("Asynchronous error received, terminating process", extra={"fields": {"error": str(err)}})
        self.fatal_error = err
        if self.fatal is not None:
            self.fatal.set()

    def report_status(self, settings: Settings, status: Status, err: BaseException | None = None) -> None:
        """A component's own status report (e.g. memory_limiter refusing data)."""
        self._set_status(settings.id, settings.kind, status, err)
        fields = {
            "otelcol.component.id": str(settings.id),
            "otelcol.component.kind": str(settings.kind),
            "status": status.value,
        }
        if err is not None:
            fields["error"] = str(err)
        self.log.info("Component status changed", extra={"fields": fields})

    def _set_status(
        self, comp_id: ID, kind: Kind, status: Status, err: BaseException | None = None, cfg: Config | None = None
    ) -> None:
        """Record and broadcast a status; ``cfg`` (default: the running one) says which pipelines
        the component is in (a reload retires components under the config they ran with)."""
        self.statuses[(kind, comp_id)] = status
        source = InstanceID(comp_id, kind, self._pipelines_of(comp_id, kind, cfg or self.cfg))
        event = StatusEvent(status, err, time.time())
        self._status_log.pop((kind, comp_id), None)
        self._status_log[(kind, comp_id)] = (source, event)
        for watcher in self._watchers:
            _notify(watcher, source, event, self.log)

    def _add_watcher(self, ext: object) -> None:
        """Hand a new status watcher each component's latest status so far, then every new event."""
        if isinstance(ext, StatusWatcher):
            for source, event in list(self._status_log.values()):
                _notify(ext, source, event, self.log)
            self._watchers.append(ext)

    def _pipelines_of(self, comp_id: ID, kind: Kind, cfg: Config) -> frozenset[PipelineID]:
        if kind is Kind.EXTENSION:
            return frozenset()
        found = set()
        for pid, pipe in cfg.pipelines.items():
            if (
                (kind in (Kind.RECEIVER, Kind.CONNECTOR) and comp_id in pipe.receivers)
                or (kind is Kind.PROCESSOR and comp_id in pipe.processors)
                or (kind in (Kind.EXPORTER, Kind.CONNECTOR) and comp_id in pipe.exporters)
            ):
                found.add(pid)
        return frozenset(found)

    def service_info(self) -> ServiceInfo:
        pipes = {
            pid: PipelineInfo(tuple(p.receivers), tuple(p.processors), tuple(p.exporters))
            for pid, p in self.cfg.pipelines.items()
        }
        gates = {g.id: g.enabled for g in self.gates.gates()}
        return ServiceInfo(self.build_info, pipes, tuple(self.cfg.extensions), self._start_time, gates)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        if self.fatal is None:
            self.fatal = asyncio.Event()
        self.log.info("Starting extensions...")
        for ext_id in self.cfg.extensions:
            ext = self._create_extension(self.cfg, ext_id)
            self._add_watcher(ext)
            self.log.info("Extension is starting...", extra=_fields(ext_id, Kind.EXTENSION))
            await self._start_one(ext, ext_id, Kind.EXTENSION)
            self._extensions[ext_id] = ext
            self.log.info("Extension started.", extra=_fields(ext_id, Kind.EXTENSION))
        self.log.info("Starting pipelines...")
        seen: set[int] = set()
        for node in self.graph.start_order():
            if id(node.component) in seen:
                continue
            seen.add(id(node.component))
            await self._start_one(node.component, node.id, node.kind)
        for ext in self._extensions.values():
            if isinstance(ext, PipelineWatcher):
                ext.ready()
        self.log.info("Everything is ready. Begin running and processing data.")

    def _create_extension(self, cfg: Config, ext_id: ID) -> Component:
        comp = cfg.components[Kind.EXTENSION][ext_id]
        factory = comp.factory_as(ExtensionFactory)
        try:
            ext: Component = factory.create(self._settings(ext_id, Kind.EXTENSION, None, None), comp.config)
        except Exception as exc:
            message = f'failed to create extension "{ext_id}": {error_text(exc)}'
            raise StartError(Kind.EXTENSION, message, "failed to build extensions") from exc
        return ext

    async def _start_one(
        self,
        comp: Any,
        comp_id: ID,
        kind: Kind,
        retiring: Iterable[object] = (),
        busy_ok: bool = False,
        announced: bool = False,
    ) -> None:
        """Start one component. ``retiring``: components a reload is replacing, whose listening
        addresses this one may take over. ``busy_ok``: a bind failing on a taken address raises
        _AddressBusy, with no further status reported, so the caller can free the address and
        retry (``announced``: Starting was reported already)."""
        if not announced:
            self._set_status(comp_id, kind, Status.STARTING)
        try:
            with listen.component_starting(comp, retiring):
                await comp.start(self)
        except Exception as exc:
            if busy_ok and listen.address_in_use(exc):
                raise _AddressBusy(str(exc)) from exc
            self._set_status(comp_id, kind, Status.PERMANENT_ERROR, exc)
            raise StartError(kind, f'failed to start "{comp_id}" {kind}: {error_text(exc)}') from exc
        self._started.append(comp)
        if self.statuses.get((kind, comp_id)) is Status.STARTING:  # a component may report its own
            self._set_status(comp_id, kind, Status.OK)

    async def shutdown(self) -> list[str]:
        """Stop everything, collecting errors instead of stopping at the first one."""
        async with self._reload_lock:  # not in the middle of a reload
            return await self._shutdown()

    async def _shutdown(self) -> list[str]:
        errors: list[str] = []
        for ext in self._extensions.values():
            if isinstance(ext, PipelineWatcher):
                ext.not_ready()
        started = {id(c) for c in self._started}
        seen: set[int] = set()
        nodes: list[Node] = self.graph.shutdown_order()
        for node in nodes:
            comp = node.component
            if id(comp) in seen or id(comp) not in started:
                continue
            seen.add(id(comp))
            await self._stop_one(comp, node.id, node.kind, errors)
        self.log.info("Stopping extensions...")
        for ext_id, ext in reversed(list(self._extensions.items())):
            await self._stop_one(ext, ext_id, Kind.EXTENSION, errors)
        self._started.clear()
        return errors

    async def _stop_one(
        self, comp: Any, comp_id: ID, kind: Kind, errors: list[str], quiet: bool = False, cfg: Config | None = None
    ) -> None:
        """Shut one component down; ``quiet`` (a reload replacing it by a new instance of the
        same ID) reports no status, so the ID's status is the new instance's."""
        if comp in self._watchers:
            self._watchers.remove(comp)
        if not quiet:
            self._set_status(comp_id, kind, Status.STOPPING, cfg=cfg)
        prefix = f'failed to shutdown "{comp_id}" {kind}'
        try:
            await comp.shutdown()
        except Exception as exc:
            self.log.exception(prefix)
            errors.append(f"{prefix}: {exc}")
            self._set_status(comp_id, kind, Status.PERMANENT_ERROR, exc, cfg)
            return
        finally:
            self._started = [c for c in self._started if c is not comp]
        if not quiet:
            self._set_status(comp_id, kind, Status.STOPPED, cfg=cfg)

    # -- reload (pyotelcol.component.Reconfigurable) ----------------------------------------
    async def apply_config(self, config_yaml: bytes, origin: str) -> None:
        """Resolve ``config_yaml`` as a ``--config`` source (with the running process's --set
        flags, feature gates and providers), validate it, then reload to it."""
        if self.config_loader is None:
            raise ConfigRejected("this collector does not accept a configuration at run time")
        try:
            cfg = self.config_loader(config_yaml)
        except Exception as exc:
            self.log.error(
                "Config reload failed, keeping the running configuration",
                extra={"fields": {"error": str(exc), "origin": origin}},
            )
            raise ConfigRejected(str(exc)) from None
        await self.reload(cfg, origin)
        self.remote_config = config_yaml

    def effective_config(self) -> Mapping[str, object]:
        from ..confmap import to_plain

        plain = to_plain(self.cfg.raw)
        return plain if isinstance(plain, dict) else {}

    async def reload(self, cfg: Config, origin: str) -> None:
        """Swap to ``cfg`` (already validated), keeping what did not change running. Raises
        ConfigRejected, with the running configuration back in place, when it cannot start."""
        async with self._reload_lock:
            try:
                await _Reload(self, cfg, origin).run()
            except _RolledBack as exc:
                self.log.error(
                    "Config reload failed, restoring the previous configuration",
                    extra={"fields": {"error": str(exc), "origin": origin}},
                )
                self.log.info("Everything is ready. Begin running and processing data.")
                raise ConfigRejected(str(exc)) from None
            except ConfigRejected as exc:
                self.log.error(
                    "Config reload failed, keeping the running configuration",
                    extra={"fields": {"error": str(exc), "origin": origin}},
                )
                raise
            except Exception as exc:  # a bug or a failed restore: the running state is unknown
                self.log.exception("Config reload failed")
                self.report_fatal_error(exc)
                raise ConfigRejected(str(exc)) from None
            self.log.info("Everything is ready. Begin running and processing data.")

    def _remake_receiver(self, cfg: Config, node: Node) -> Any:
        """A new instance of a receiver node's component, fed by the node's inlet (a shared
        receiver gets one create call per signal, each registering that signal's consumer)."""
        feeds = node.feeds or node.inlet
        assert feeds is not None  # every receiver node has an inlet
        comp = cfg.components[Kind.RECEIVER][node.id]
        signal = node.key[1]
        settings = self._settings(node.id, Kind.RECEIVER, signal, None)
        return comp.factory_as(ReceiverFactory).create_for(signal, settings, comp.config, feeds)

    def _build_against(self, cfg: Config, diff: ConfigDiff) -> Graph:
        """The new graph keeping unchanged instances. A component ID whose instances would be
        partly kept and partly replaced (they may share state, e.g. one file for every signal) is
        replaced as a whole, and the graph is built again."""
        while True:
            graph = build_graph(cfg, self._settings, self.log, Previous(self.graph, diff.unchanged), self.taps)
            mixed = _mixed_ids(self.graph, graph)
            if not mixed:
                return graph
            diff.bar(mixed)


class _RolledBack(Exception):
    """A new config failed to start; the running one is back in place."""


class _AddressBusy(Exception):
    """A component could not bind an address another running component holds."""


class _Reload:
    """One reload: start what is new, switch, retire what is old; undo on a start failure."""

    def __init__(self, service: Service, cfg: Config, origin: str) -> None:
        self.svc = service
        self.cfg = cfg
        self.origin = origin
        self.diff = ConfigDiff(service.cfg, cfg, service._code)
        self.started: list[tuple[Any, ID, Kind]] = []  # new instances, in start order
        self.stopped_receivers: list[Node] = []  # old receivers replaced before the switch
        self.retiring: list[Any] = []  # old instances this reload replaces or removes
        self.old_cfg = service.cfg
        self.stopped_extensions: dict[ID, Component] = {}  # old extensions replaced

    async def run(self) -> None:
        svc = self.svc
        old_cfg, old_graph, old_extensions = svc.cfg, svc.graph, svc.get_extensions()
        self.old_cfg = old_cfg
        try:
            graph = svc._build_against(self.cfg, self.diff)
        except GraphError as exc:
            raise ConfigRejected(f"failed to build pipelines: {exc}") from None
        svc.log.warning("Config updated, restart service", extra={"fields": {"origin": self.origin}})
        old_components, new_components = old_graph.components(), graph.components()
        fresh = [n for n in _distinct(graph.start_order()) if id(n.component) not in old_components]
        retired = [n for n in _distinct(old_graph.shutdown_order()) if id(n.component) not in new_components]
        svc.cfg = self.cfg  # status events of new components name the new pipelines
        self.retiring = [n.component for n in retired]
        try:
            await self._start_extensions(old_extensions)
            for node in fresh:
                if node.kind is not Kind.RECEIVER:
                    await self._start(node.component, node.id, node.kind)
            # New receivers start while the ones they replace still run, taking their listening
            # sockets over (listen.component_starting): no connection is refused meanwhile.
            for node in fresh:
                if node.kind is Kind.RECEIVER:
                    await self._start_receiver(node, graph, retired)
        except StartError as exc:
            await self._undo(old_cfg, old_graph, old_extensions)
            raise _RolledBack(f"{exc.phase}: {exc}") from None
        svc.graph = graph
        svc._code = self.diff.new_code
        # The switch: kept receivers send to the new pipelines, then the old ones finish.
        generations = [inlet.swap(target) for inlet, target in graph.swaps]
        if generations:
            try:
                await asyncio.wait_for(asyncio.gather(*(g.drained() for g in generations)), DRAIN_TIMEOUT)
            except TimeoutError:
                svc.log.warning("Calls through the previous pipelines still running; shutting them down anyway")
        errors: list[str] = []
        stopped = {id(n.component) for n in self.stopped_receivers}
        for node in retired:
            if id(node.component) not in stopped:
                quiet = any(n.kind is node.kind and n.id == node.id for n in new_components.values())
                await svc._stop_one(node.component, node.id, node.kind, errors, quiet, old_cfg)
        for ext_id, ext in reversed(list(old_extensions.items())):
            if ext_id not in self.cfg.extensions:
                await svc._stop_one(ext, ext_id, Kind.EXTENSION, errors)
        self._announce_moves(old_cfg, old_components, new_components)
        for ext_id, ext in svc.get_extensions().items():
            if ext is not old_extensions.get(ext_id) and isinstance(ext, PipelineWatcher):
                ext.ready()
        for error in errors:
            svc.log.error("Error while retiring a component after a reload", extra={"fields": {"error": error}})

    def _announce_moves(self, old_cfg: Config, old: dict[int, Node], new: dict[int, Node]) -> None:
        """A kept component now in other pipelines: its current status again, under its new
        pipelines, so status watchers (healthcheckv2) account for it there; no Starting."""
        svc = self.svc
        for key, node in new.items():
            if key not in old:
                continue
            status = svc.statuses.get((node.kind, node.id))
            moved = svc._pipelines_of(node.id, node.kind, old_cfg) != svc._pipelines_of(node.id, node.kind, self.cfg)
            if status is not None and moved:
                svc._set_status(node.id, node.kind, status)

    async def _start(self, comp: Any, comp_id: ID, kind: Kind) -> None:
        await self.svc._start_one(comp, comp_id, kind, self.retiring)
        self.started.append((comp, comp_id, kind))

    async def _start_receiver(self, node: Node, graph: Graph, retired: list[Node]) -> None:
        """Start a new receiver beside the old ones. One that binds an address it cannot take
        over (a gRPC unix socket, a Python receiver's own socket) gets it freed: the retired
        receivers stop first, and a new instance of it starts (a failed start leaves an
        instance that cannot be trusted to start again)."""
        svc = self.svc
        try:
            await svc._start_one(node.component, node.id, node.kind, self.retiring, busy_ok=True)
            self.started.append((node.component, node.id, node.kind))
            return
        except _AddressBusy as exc:
            svc.log.info(
                "A new receiver's address is still held; stopping the retired receivers first",
                extra={"fields": {"kind": "receiver", "name": str(node.id), "error": str(exc)}},
            )
        with contextlib.suppress(Exception):
            await node.component.shutdown()
        stopped = {id(n.component) for n in self.stopped_receivers}
        for old in retired:
            if old.kind is Kind.RECEIVER and id(old.component) not in stopped:
                stopped.add(id(old.component))
                # quiet when a new instance of the same ID takes over its status
                quiet = old.id in self.cfg.components[Kind.RECEIVER]
                await svc._stop_one(old.component, old.id, old.kind, [], quiet=quiet, cfg=self.old_cfg)
                self.stopped_receivers.append(old)
        remade: dict[int, Any] = {}
        for other in graph.nodes.values():
            if other.kind is Kind.RECEIVER and other.component is node.component:
                other.component = svc._remake_receiver(self.cfg, other)
                remade.setdefault(id(other.component), other.component)
        for comp in remade.values():
            await svc._start_one(comp, node.id, Kind.RECEIVER, self.retiring, announced=True)
            self.started.append((comp, node.id, Kind.RECEIVER))

    async def _start_extensions(self, old: Mapping[ID, Component]) -> None:
        """Changed extensions stop, then new and changed ones start in the configured order."""
        svc = self.svc
        kept = set(self.diff.kept_extensions)
        for ext_id, ext in reversed(list(old.items())):
            if ext_id not in kept and ext_id in self.cfg.extensions:
                await svc._stop_one(ext, ext_id, Kind.EXTENSION, [], quiet=True)
                self.stopped_extensions[ext_id] = ext
        extensions: dict[ID, Component] = {}
        svc._extensions = extensions  # filled in order: each extension sees those before it
        for ext_id in self.cfg.extensions:
            if ext_id in kept:
                extensions[ext_id] = old[ext_id]
                continue
            ext = svc._create_extension(self.cfg, ext_id)
            svc._add_watcher(ext)
            await self._start(ext, ext_id, Kind.EXTENSION)
            extensions[ext_id] = ext
        for ext_id, ext in old.items():  # removed ones serve the old pipelines until they retire
            if ext_id not in self.cfg.extensions:
                extensions.setdefault(ext_id, ext)

    async def _undo(self, old_cfg: Config, old_graph: Graph, old_extensions: Mapping[ID, Component]) -> None:
        """Stop what this reload started; bring back, as new instances, what it stopped. A
        component that cannot come back is a fatal error, as a failed start is."""
        svc = self.svc
        for comp, comp_id, kind in reversed(self.started):
            existed = comp_id in (old_extensions if kind is Kind.EXTENSION else old_cfg.components[kind])
            await svc._stop_one(comp, comp_id, kind, [], quiet=existed)
        svc.cfg, svc.graph = old_cfg, old_graph
        extensions = dict(old_extensions)
        svc._extensions = extensions
        try:
            for ext_id in list(extensions):
                if ext_id in self.stopped_extensions:
                    ext = svc._create_extension(old_cfg, ext_id)
                    svc._add_watcher(ext)
                    await svc._start_one(ext, ext_id, Kind.EXTENSION)
                    extensions[ext_id] = ext
            await self._restore_receivers(old_cfg, old_graph)
        except StartError as exc:
            svc.report_fatal_error(exc)

    async def _restore_receivers(self, old_cfg: Config, old_graph: Graph) -> None:
        """New instances of the receivers stopped before the switch, fed by their old inlets
        (one create call per signal: a shared receiver registers each signal's consumer)."""
        svc = self.svc
        stopped = {n.id for n in self.stopped_receivers}
        created: dict[int, Node] = {}
        for node in old_graph.nodes.values():
            if node.kind is not Kind.RECEIVER or node.id not in stopped:
                continue
            node.component = svc._remake_receiver(old_cfg, node)
            created.setdefault(id(node.component), node)
        for node in created.values():
            await svc._start_one(node.component, node.id, Kind.RECEIVER)


def _distinct(nodes: list[Node]) -> list[Node]:
    seen: set[int] = set()
    out = []
    for node in nodes:
        if id(node.component) not in seen:
            seen.add(id(node.component))
            out.append(node)
    return out


def _mixed_ids(old: Graph, new: Graph) -> set[tuple[Kind, ID]]:
    """Component IDs with some instances kept and some not, on either side of a reload."""
    old_ids, new_ids = old.components(), new.components()
    kept: dict[tuple[Kind, ID], set[bool]] = {}
    for graph, other in ((old, new_ids), (new, old_ids)):
        for node in graph.nodes.values():
            kept.setdefault((node.kind, node.id), set()).add(id(node.component) in other)
    return {key for key, flags in kept.items() if len(flags) == 2}


def _notify(watcher: StatusWatcher, source: InstanceID, event: StatusEvent, log: logging.Logger) -> None:
    try:
        watcher.component_status_changed(source, event)
    except Exception:  # a watcher's bug must not stop the collector
        log.exception("status watcher failed")


def _fields(comp_id: ID, kind: Kind) -> dict[str, Any]:
    return {"fields": {"otelcol.component.id": str(comp_id), "otelcol.component.kind": str(kind)}}


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
