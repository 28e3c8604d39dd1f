"""The ``pyotelcol`` command: run, validate, components, print-initial-config, featuregate.

Errors print as ``Error: <message>`` on stderr with exit code 1, with Go's phase prefixes
(collector-core §1.7, §3).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..component import BuildInfo, Kind, Signal, StabilityLevel
from ..factories import ConnectorFactory, ExtensionFactory, Factories, RegistryError, from_entry_points
from ..featuregate import GLOBAL, GateError, Registry
from . import workers
from .yamlout import dump

if TYPE_CHECKING:
    from ..service.config import Config

PROVIDER_SCHEMES = ("env", "file", "http", "https", "yaml")
COMMANDS = ("validate", "components", "print-initial-config", "print-config", "featuregate", "help")
_LOG = logging.getLogger("pyotelcol")


class CLIError(Exception):
    pass


@dataclass
class Options:
    command: str = "run"
    configs: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)
    mode: str = "redacted"
    fmt: str = "yaml"
    workers: int | None = None
    gate_id: str | None = None
    validate: bool = True


def _parser(prog: str, command: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog if command == "run" else f"{prog} {command}", allow_abbrev=False)
    if command in ("run", "validate", "print-initial-config", "print-config"):
        p.add_argument(
            "--config",
            action="append",
            default=[],
            metavar="URI",
            help="config source: a file path or file:, env:, yaml:, http:, https: URI (repeatable)",
        )
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override one config value, e.g. processors.batch.timeout=2s (repeatable)",
        )
    p.add_argument(
        "--feature-gates",
        action="append",
        default=[],
        metavar="GATES",
        help="comma-separated feature gate ids; '-' disables, '+' or nothing enables",
    )
    if command == "run":
        p.add_argument("--version", "-v", action="store_true", help="print the version and exit")
        p.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help="run N worker processes sharing the listening ports (SO_REUSEPORT) under a supervisor; "
            "default: $PYOTELCOL_WORKERS, else one process (docs/workers.md)",
        )
    if command in ("print-initial-config", "print-config"):
        p.add_argument("--mode", choices=["redacted", "unredacted"], default="redacted")
        p.add_argument("--format", choices=["yaml", "json"], default="yaml")
        p.add_argument("--validate", default="true", choices=["true", "false"])
    if command == "featuregate":
        p.add_argument("id", nargs="?")
    return p


def parse_args(argv: Sequence[str], prog: str = "pyotelcol", version: str = __version__) -> Options | None:
    args = list(argv)
    command = "run"
    if args and args[0] in COMMANDS:
        command = args.pop(0)
        if command == "help":
            _parser(prog, "run").print_help()
            return None
    ns = _parser(prog, command).parse_args(args)
    if command == "run" and ns.version:
        print(f"{prog} version {version}")
        return None
    opts = Options(command=command, gates=ns.feature_gates)
    opts.configs = getattr(ns, "config", [])
    opts.sets = getattr(ns, "set", [])
    opts.mode = getattr(ns, "mode", "redacted")
    opts.fmt = getattr(ns, "format", "yaml")
    opts.gate_id = getattr(ns, "id", None)
    opts.validate = getattr(ns, "validate", "true") == "true"
    opts.workers = getattr(ns, "workers", None)
    return opts


# -- config loading -----------------------------------------------------------------------------


def _source_uris(opts: Options) -> list[str]:
    from ..confmap import set_flag_to_uri

    if not opts.configs:
        raise CLIError("at least one config flag must be provided")
    try:
        return [*opts.configs, *(set_flag_to_uri(s) for s in opts.sets)]
    except ValueError as exc:
        raise CLIError(f'invalid argument "{opts.sets}" for "--set" flag: {exc}') from None


def _resolve(opts: Options, gates: Registry) -> dict[str, Any]:
    from ..confmap import ResolveError, resolve

    uris = _source_uris(opts)
    try:
        return resolve(uris, logger=_LOG, merge_append=gates.is_enabled("confmap.enableMergeAppendOption"))
    except ResolveError as exc:
        if exc.at_creation:  # a malformed --config URI: Go reports it without the phase prefix
            raise CLIError(str(exc)) from None
        raise CLIError(f"failed to get config: cannot resolve the configuration: {exc}") from None


_MENTION = re.compile(
    r"error decoding '(\w+)': error reading configuration for \"([^\"]+)\"|^(\w+)::([^:\s]+)", re.MULTILINE
)


def _where(message: str, opts: Options) -> str:
    """Name the config source(s) that define each component an error is about."""
    from ..confmap import resolve_raw

    notes: list[str] = []
    for m in _MENTION.finditer(message):
        section, key = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if section not in {k.plural for k in Kind}:
            continue
        found = []
        for uri in opts.configs:
            try:
                raw = resolve_raw([uri])
            except Exception:
                continue
            if isinstance(raw.get(section), dict) and key in raw[section]:
                found.append(uri)
        note = f"{section}::{key} is configured in {', '.join(found)}" if found else ""
        if note and note not in notes:
            notes.append(note)
    return ("\n(" + "; ".join(notes) + ")") if notes else ""


def load_config(opts: Options, factories: Factories, gates: Registry, validate: bool = True) -> Config:
    """Resolve, decode and (unless ``validate`` is false) validate the config."""
    from ..service.config import UnmarshalError, ValidationError, unmarshal, validate_config

    conf = _resolve(opts, gates)
    try:
        cfg = unmarshal(conf, factories, _LOG)
    except UnmarshalError as exc:
        where = _where(str(exc), opts)
        raise CLIError(f"failed to get config: cannot unmarshal the configuration: {exc}{where}") from None
    if not validate:
        return cfg
    try:
        validate_config(cfg, gates)
    except ValidationError as exc:
        prefix = "" if opts.command == "validate" else "invalid configuration: "
        raise CLIError(f"{prefix}{exc}{_where(str(exc), opts)}") from None
    return cfg


# -- commands -----------------------------------------------------------------------------------


def _stability_map(factory: Any) -> dict[str, str]:
    if isinstance(factory, ExtensionFactory):
        return {"extension": str(factory.stability)}
    signals = [Signal.LOGS, Signal.METRICS, Signal.TRACES]
    if isinstance(factory, ConnectorFactory):
        return {
            f"{a}-to-{b}": str(factory.stability.get((a, b), StabilityLevel.UNDEFINED))
            for a in signals
            for b in signals
        }
    return {s.value: str(factory.stability.get(s, StabilityLevel.UNDEFINED)) for s in signals}


def components_yaml(factories: Factories, build: BuildInfo) -> str:
    doc: dict[str, Any] = {
        "buildinfo": {"command": build.command, "description": build.description, "version": build.version}
    }
    for kind in (Kind.RECEIVER, Kind.PROCESSOR, Kind.EXPORTER, Kind.CONNECTOR, Kind.EXTENSION):
        doc[kind.plural] = [
            {"name": f.type, "module": factories.modules.get((kind, f.type), ""), "stability": _stability_map(f)}
            for f in factories.canonical(kind)
        ]
    doc["providers"] = [{"scheme": s, "module": f"pyotelcol {__version__}"} for s in PROVIDER_SCHEMES]
    return dump(doc)


def print_initial_config(opts: Options, factories: Factories, gates: Registry) -> str:
    from ..config.redact import redact
    from ..confmap import to_plain

    conf = to_plain(_resolve(opts, gates))
    if opts.validate or opts.mode == "redacted":
        # Redacting needs the typed config (which fields are opaque); Go decodes it for that too.
        cfg = load_config(Options(**{**opts.__dict__, "command": "validate"}), factories, gates, opts.validate)
        if opts.mode == "redacted":
            conf = redact(conf, cfg)
    ordered = _sorted(conf)
    if opts.fmt == "json":
        return json.dumps(ordered, indent=4, default=str) + "\n"
    return dump(ordered)


def _sorted(value: Any) -> Any:
    if isinstance(value, datetime.datetime):  # YAML timestamps print as Go's time.Time does
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def featuregate_text(gates: Registry, gate_id: str | None) -> str:
    if gate_id:
        gate = gates.get(gate_id)
        if gate is None:
            raise CLIError(f'feature "{gate_id}" not found')
        lines = [
            f"Feature: {gate.id}",
            f"Enabled: {str(gate.enabled).lower()}",
            f"Stage: {gate.stage.value}",
            f"Description: {gate.description}",
            f"From Version: {gate.from_version}",
        ]
        if gate.to_version:
            lines.append(f"To Version: {gate.to_version}")
        return "\n".join(lines) + "\n"
    rows = [("ID", "Enabled", "Stage", "Description")]
    rows += [(g.id, str(g.enabled).lower(), g.stage.value, g.description) for g in gates.gates()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}\n" for r in rows)


def validate_command(opts: Options, factories: Factories, gates: Registry) -> None:
    """Resolve, decode, validate and build the graph (components created, nothing started)."""
    from ..service.graph import GraphError, build_graph
    from ..service.service import NopTelemetry, settings_maker

    cfg = load_config(opts, factories, gates)
    try:
        build_graph(cfg, settings_maker(NopTelemetry(), BuildInfo()), _LOG)
    except GraphError as exc:
        raise CLIError(f"failed to build pipelines: {exc}") from None


# -- running ------------------------------------------------------------------------------------


async def run_collector(opts: Options, factories: Factories, gates: Registry, build: BuildInfo) -> int:
    from ..service.graph import GraphError
    from ..service.service import Service, StartError
    from ..telemetry.runtime import Telemetry

    wid = workers.worker_id()
    cfg = load_config(opts, factories, gates)
    if wid is not None:
        _worker_config(cfg, wid)
    telemetry = Telemetry(cfg.telemetry, build, worker_id=wid)
    log: Any = telemetry.logger
    log.info("Starting %s...", build.command, extra={"fields": {"Version": build.version}})
    try:
        service = Service(cfg, telemetry, build, gates, log)
    except GraphError as exc:
        raise CLIError(f"failed to build pipelines: {exc}") from None

    stop = asyncio.Event()
    reload = asyncio.Event()
    received: list[str] = []
    loop = asyncio.get_running_loop()

    def on_signal(name: str) -> None:
        received.append(name)
        stop.set()

    loop.add_signal_handler(signal.SIGINT, on_signal, "interrupt")
    loop.add_signal_handler(signal.SIGTERM, on_signal, "terminated")
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    orphan_watch: asyncio.Task[None] | None = None
    if wid is not None:
        orphan_watch = asyncio.ensure_future(_stop_when_orphaned(os.getppid(), on_signal))
    try:
        await telemetry.start()
        while True:
            try:
                await service.start()
            except StartError as exc:
                errors = await service.shutdown()
                await telemetry.shutdown()
                where = "failed to start extensions" if exc.kind is Kind.EXTENSION else "cannot start pipelines"
                raise CLIError(f"{where}: {exc}" + ("".join("\n" + e for e in errors))) from None
            assert service.fatal is not None
            if wid is not None:
                workers.report_ready(telemetry.bound_endpoints)
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, reload, service.fatal)]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            if reload.is_set() and not stop.is_set() and not service.fatal.is_set():
                reload.clear()
                log.info("Config updated, restart service")
                await service.shutdown()
                cfg = load_config(opts, factories, gates)
                if wid is not None:
                    _worker_config(cfg, wid)  # a reload may not bring in a single-instance component
                try:
                    service = Service(cfg, telemetry, build, gates, log)
                except GraphError as exc:
                    raise CLIError(f"failed to build pipelines: {exc}") from None
                continue
            break
        if received:
            log.info("Received signal from OS", extra={"fields": {"signal": received[0]}})
        log.info("Starting shutdown...")
        errors = await service.shutdown()
        log.info("Shutdown complete.")
        await telemetry.shutdown()
    finally:
        if orphan_watch is not None:
            orphan_watch.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
    if errors:
        print("Error: " + "\n".join(errors), file=sys.stderr)
        return 1
    return 0


def _worker_config(cfg: Config, wid: int) -> None:
    try:
        workers.check_worker_policies(cfg)
    except workers.WorkersError as exc:
        raise CLIError(f"invalid configuration: {exc}") from None
    workers.drop_first_worker_extensions(cfg, wid)


async def _stop_when_orphaned(ppid: int, stop: Callable[[str], None]) -> None:
    """A worker whose supervisor died (SIGKILL) shuts down instead of lingering on the port."""
    while not workers.parent_gone(ppid):
        await asyncio.sleep(1.0)
    stop("supervisor exited")


async def run_supervisor(opts: Options, factories: Factories, gates: Registry, build: BuildInfo, count: int) -> int:
    """``--workers N``: validate, refuse single-instance components, then supervise N workers."""
    from ..telemetry.runtime import Telemetry

    cfg = load_config(opts, factories, gates)
    try:
        workers.check_worker_policies(cfg)
    except workers.WorkersError as exc:
        raise CLIError(f"invalid configuration: {exc}") from None
    # Logging as configured; metrics are the workers' (summed by the supervisor), nothing bound here.
    telemetry = Telemetry(cfg.telemetry, build)  # never started: binds nothing
    log: Any = telemetry.logger
    log.info("Starting %s supervisor...", build.command, extra={"fields": {"Version": build.version}})
    command = workers.worker_command(opts.configs, opts.sets, opts.gates)
    code, error = await workers.Supervisor(count, command, cfg, log).run()
    await telemetry.shutdown()
    if error:
        print(f"Error: {error}", file=sys.stderr)
    return code


def _new_loop_runner() -> asyncio.Runner:
    try:
        import uvloop

        return asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        return asyncio.Runner()


def main(argv: Sequence[str] | None = None, factories: Factories | None = None, build: BuildInfo | None = None) -> int:
    """Entry point; a built distribution passes its own factories and build info."""
    build = build or BuildInfo(version=__version__)
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv, build.command, build.version)
        if opts is None:
            return 0
        gates = GLOBAL
        for flag in opts.gates:
            gates.apply_flag(flag)
        for notice in gates.notices:
            print(notice)
        if factories is None:
            factories = from_entry_points()
        if opts.command == "components":
            sys.stdout.write(components_yaml(factories, build))
        elif opts.command == "featuregate":
            sys.stdout.write(featuregate_text(gates, opts.gate_id))
        elif opts.command in ("print-initial-config", "print-config"):
            sys.stdout.write(print_initial_config(opts, factories, gates))
        elif opts.command == "validate":
            validate_command(opts, factories, gates)
        else:
            try:
                count = workers.workers_requested(opts.workers)
            except workers.WorkersError as exc:
                raise CLIError(str(exc)) from None
            with _new_loop_runner() as runner:
                if count > 0:
                    return runner.run(run_supervisor(opts, factories, gates, build, count))
                return runner.run(run_collector(opts, factories, gates, build))
        return 0
    except (CLIError, GateError, RegistryError) as exc:
        if workers.worker_id() is not None and workers.report_error(str(exc)):
            return 1  # the supervisor prints it
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
