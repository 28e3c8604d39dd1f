"""The ``pyotelcol`` command: run, validate, components, print-initial-config, featuregate.

Errors print as ``Error: <message>`` on stderr with exit code 1, with the Go collector's phase
prefixes (``failed to get config: ...``, ``invalid configuration: ...``, ``cannot start pipelines:
...``); stdout carries only the command's output.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..component import BuildInfo, Kind, Signal, StabilityLevel
from ..confmap.errors import go_quote
from ..confmap.resolver import set_flag_to_uri
from ..factories import ConnectorFactory, ExtensionFactory, Factories, RegistryError, from_entry_points
from ..featuregate import GLOBAL, GateError, Registry
from . import workers
from .earlylog import EarlyLogs
from .flags import Command, Flag, FlagError, check_args, find_subcommand, help_text, parse
from .yamlout import dump

if TYPE_CHECKING:
    from ..admin import AdminServer, TapHub
    from ..service.config import Config
    from ..service.service import Service
    from ..telemetry.runtime import Telemetry

PROVIDER_SCHEMES = ("env", "file", "http", "https", "yaml")
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
    watch_config: bool = False
    admin_endpoint: str | None = None
    ottl: dict[str, Any] = field(default_factory=dict)  # the ``ottl`` command's flags and FILE
    tool: dict[str, Any] = field(default_factory=dict)  # the ``tap`` / ``top`` commands' flags


_CONFIG_FLAGS = (
    Flag(
        "config",
        "Locations to the config file(s), note that only a single location can be set per flag entry "
        "e.g. --config=file:/path/to/first --config=file:path/to/second.",
        kind="list",
        varname="uri",
    ),
    Flag(
        "set",
        "Set arbitrary component config property. The component has to be defined in the config file and "
        "the flag has a higher precedence. Array config properties are overridden and maps are joined. "
        "Example --set=processors.batch.timeout=2s",
        kind="list",
        varname="key=value",
        check=set_flag_to_uri,
    ),
)
_GATES_FLAG = Flag(
    "feature-gates",
    "Comma-delimited list of feature gate identifiers. Prefix with '-' to disable the feature. "
    "'+' or no prefix will enable the feature.",
    kind="list",
    varname="gates",
)


def _help_flag(name: str) -> Flag:
    return Flag("help", f"help for {name}", kind="bool", shorthand="h")


def _commands(prog: str) -> dict[str, Command]:
    """The command tree of the Go collector (cobra ``Use``/``Short``/``Long`` texts)."""
    root = Command(
        prog,
        "",
        (
            *_CONFIG_FLAGS,
            _GATES_FLAG,
            _help_flag(prog),
            Flag("version", f"version for {prog}", kind="bool", shorthand="v"),
            Flag(
                "workers",
                "run N worker processes sharing the listening ports (SO_REUSEPORT) under a supervisor; "
                "default: $PYOTELCOL_WORKERS, else one process (docs/workers.md)",
                kind="int",
                varname="int",
            ),
            Flag(
                "watch-config",
                "reload when a --config file changes (polled every second), as on SIGHUP (docs/operations.md)",
                kind="bool",
            ),
            Flag(
                "admin-endpoint",
                "serve the status page, live taps and POST /reload on host:port (loopback unless "
                "$PYOTELCOL_ADMIN_TOKEN is set; docs/operations.md)",
                varname="host:port",
            ),
        ),
    )
    subs = [
        Command(
            "components",
            "Outputs available components in this collector distribution",
            (_GATES_FLAG, _help_flag("components")),
            long="Outputs available components in this collector distribution including their stability levels. "
            "The output format is not stable and can change between releases.",
        ),
        Command(
            "featuregate",
            "Display feature gates information",
            (_GATES_FLAG, _help_flag("featuregate")),
            max_args=1,
            use="featuregate [feature-id]",
            long="Display information about available feature gates and their status",
        ),
        Command(
            "help",
            "Help about any command",
            (_help_flag("help"),),
            max_args=1,
            use="help [command]",
            long=f"Help provides help for any command in the application.\n"
            f"Simply type {prog} help [path to command] for full details.",
        ),
        Command(
            "print-config",
            "Prints the Collector's configuration in the specified mode",
            (
                *_CONFIG_FLAGS,
                _GATES_FLAG,
                Flag("format", "Output format: yaml (default), json (unstable))", varname="string"),
                _help_flag("print-config"),
                Flag("mode", "Operating mode: redacted (default), unredacted", varname="string"),
                Flag("validate", "Validation mode: true (default), false", kind="bool"),
            ),
            long=PRINT_CONFIG_LONG,
            aliases=("print-initial-config",),
        ),
        Command(
            "ottl",
            "Runs OTTL statements or conditions on an OTLP JSON file (not in the Go collector)",
            (
                Flag("signal", "traces, metrics or logs", varname="string"),
                Flag("statement", "an OTTL statement to run (repeatable)", kind="list", varname="statement"),
                Flag("condition", "an OTTL condition to evaluate (repeatable)", kind="list", varname="condition"),
                Flag("context", "the OTTL context (default: inferred from the paths)", varname="string"),
                Flag("error-mode", "propagate (default), ignore or silent", varname="string"),
                _help_flag("ottl"),
            ),
            max_args=1,
            use="ottl --signal SIGNAL (--statement S ... | --condition C ...) [FILE|-]",
            long="Reads OTLP JSON (a file, or standard input when FILE is - or absent), runs the statements and "
            "prints the resulting OTLP JSON, or evaluates the conditions and prints one line per item with "
            "its result. Statements are compiled as the transform processor compiles them.",
        ),
        Command(
            "tap",
            "Prints what passes a point of a running collector's pipelines as OTLP JSON lines (not in Go)",
            (
                Flag(
                    "admin-endpoint", "the collector's --admin-endpoint (default 127.0.0.1:13200)", varname="host:port"
                ),
                Flag("pipeline", "only this pipeline, e.g. traces/in", varname="string"),
                Flag("component", "only this component, e.g. processors/batch or receivers/otlp", varname="string"),
                Flag("signal", "only traces, metrics or logs", varname="string"),
                Flag("limit", "stop after this many items (0: until interrupted)", kind="int", varname="int"),
                _help_flag("tap"),
            ),
            long="Connects to a running collector's admin endpoint and prints, one request per line, the data "
            "passing the points that match (out of a receiver, out of a processor, into an exporter). Taps are "
            "sampled and bounded: a busy point skips requests rather than slowing the pipeline.",
        ),
        Command(
            "top",
            "Shows items per second in and out of every component of a running collector (not in Go)",
            (
                Flag(
                    "metrics-url",
                    "the collector's own Prometheus metrics (default http://127.0.0.1:8888/metrics)",
                    varname="url",
                ),
                Flag("interval", "seconds between refreshes (default 1)", kind="int", varname="int"),
                Flag("iterations", "stop after this many refreshes (0: until interrupted)", kind="int", varname="int"),
                _help_flag("top"),
            ),
            long="Reads the collector's own metrics (service.telemetry.metrics) and shows, per component and "
            "signal, accepted/sent items per second, refusals, failures and exporter queue fill.",
        ),
        Command(
            "validate",
            "Validates the config without running the collector",
            (*_CONFIG_FLAGS, _GATES_FLAG, _help_flag("validate")),
        ),
    ]
    commands = {root.name: root}
    for sub in subs:
        commands[sub.name] = sub
        for alias in sub.aliases:
            commands[alias] = sub
    return commands


PRINT_CONFIG_LONG = """Prints the Collector's configuration with different levels of processing:

- redacted: Shows the resolved configuration with sensitive data redacted (default)
- unredacted: Shows the resolved configuration with all sensitive data visible

The output prints in YAML by default. To print JSON use --format=json,
however this is considered unstable.

Validation is enabled by default, as a safety measure."""


def _help(prog: str, commands: dict[str, Command], name: str) -> str:
    root = commands[prog]
    if name == prog:
        subs = [c for key, c in commands.items() if key not in (prog, *c.aliases)]
        return help_text(prog, root, subs)
    return help_text(prog, commands[name])


def parse_args(argv: Sequence[str], prog: str = "pyotelcol", version: str = __version__) -> Options | None:
    """Parse the command line like the Go collector's cobra command; None when it was handled
    here (``--help``, ``--version``, ``help``). Raises FlagError with cobra's wording."""
    commands = _commands(prog)
    found, args = find_subcommand(commands[prog], argv, [n for n in commands if n != prog])
    name = found or prog
    command = commands[name]
    parsed = parse(command, args)
    values = parsed.values
    if values.get("help"):
        sys.stdout.write(_help(prog, commands, command.name))
        return None
    subcommands = sorted({c.name for key, c in commands.items() if key != prog}) if name == prog else None
    check_args(command, parsed.args, subcommands)
    if command.name == "help":
        topic = parsed.args[0] if parsed.args else prog
        if topic not in commands:
            sys.stdout.write(f"Unknown help topic [`{topic}`]\n" + _help(prog, commands, prog))
            return None
        sys.stdout.write(_help(prog, commands, commands[topic].name))
        return None
    if values.get("version"):
        sys.stdout.write(f"{prog} version {version}\n")
        return None
    opts = Options(command="run" if name == prog else name, gates=values.get("feature-gates", []))
    opts.configs = values.get("config", [])
    opts.sets = values.get("set", [])
    opts.mode = values.get("mode", "redacted")
    opts.fmt = values.get("format", "yaml")
    opts.gate_id = parsed.args[0] if command.name == "featuregate" and parsed.args else None
    opts.validate = values.get("validate", True)
    opts.workers = values.get("workers")
    opts.watch_config = bool(values.get("watch-config", False))
    opts.admin_endpoint = values.get("admin-endpoint") if command.name == prog else None
    if command.name == "ottl":
        opts.ottl = {**values, "file": parsed.args[0] if parsed.args else "-"}
    if command.name in ("tap", "top"):
        opts.tool = dict(values)
    return opts


# -- config loading -----------------------------------------------------------------------------


def _source_uris(opts: Options) -> list[str]:
    if not opts.configs:
        raise CLIError("at least one config flag must be provided")
    # The --set values were checked while parsing the flags, as pflag does.
    return [*opts.configs, *(set_flag_to_uri(s) for s in opts.sets)]


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


def load_config(
    opts: Options, factories: Factories, gates: Registry, validate: bool = True, resolved: dict[str, Any] | None = None
) -> Config:
    """Resolve (unless ``resolved`` is given), decode and (unless ``validate`` is false) validate the config."""
    from ..service.config import UnmarshalError, ValidationError, unmarshal, validate_config

    conf = _resolve(opts, gates) if resolved is None else resolved
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

    mode, fmt = opts.mode.lower(), opts.fmt.lower()
    if mode not in ("redacted", "unredacted"):
        raise CLIError(f"invalid mode {go_quote(opts.mode)}: modes are: redacted, unredacted")
    if fmt not in ("yaml", "json"):
        raise CLIError(f"unrecognized print format: {opts.fmt}")
    resolved = _resolve(opts, gates)  # once: each resolve logs the unset variables again
    conf = to_plain(resolved)
    if opts.validate or mode == "redacted":
        # Redacting needs the typed config (which fields are opaque); Go decodes it for that too.
        as_validate = Options(**{**opts.__dict__, "command": "validate"})
        cfg = load_config(as_validate, factories, gates, opts.validate, resolved)
        if mode == "redacted":
            conf = redact(conf, cfg)
    ordered = _sorted(conf)
    if fmt == "json":
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
    _checked_config(opts, factories, gates, BuildInfo(), None)


# -- running ------------------------------------------------------------------------------------


def _new_telemetry(cfg: Config, build: BuildInfo, wid: int | None) -> Telemetry:
    from ..telemetry.runtime import Telemetry

    try:
        return Telemetry(cfg.telemetry, build, worker_id=wid)
    except OSError as exc:  # a log output path that cannot be opened: zap's wording
        from ..service.service import error_text

        raise CLIError(f'failed to create logger: couldn\'t open sink "{exc.filename}": {error_text(exc)}') from None
    except ValueError as exc:
        raise CLIError(f"failed to create logger: {exc}") from None


def _new_service(
    cfg: Config, telemetry: Telemetry, build: BuildInfo, gates: Registry, log: Any, taps: TapHub | None = None
) -> Service:
    from ..service.graph import GraphError
    from ..service.service import Service

    try:
        return Service(cfg, telemetry, build, gates, log, taps)
    except GraphError as exc:
        raise CLIError(f"failed to build pipelines: {exc}") from None


async def _start_service(service: Service) -> None:
    """Start, or stop what did start and raise the error with Go's phase prefix."""
    from ..service.service import StartError

    try:
        await service.start()
    except StartError as exc:
        errors = await service.shutdown()
        raise CLIError(f"{exc.phase}: {exc}" + "".join("\n" + e for e in errors)) from None


def _checked_config(opts: Options, factories: Factories, gates: Registry, build: BuildInfo, wid: int | None) -> Config:
    """What ``validate`` checks: resolve, decode, validate, build the graph (nothing started)."""
    from ..service.graph import GraphError, build_graph
    from ..service.service import NopTelemetry, settings_maker

    cfg = load_config(Options(**{**opts.__dict__, "command": "validate"}), factories, gates)
    if wid is not None:
        _worker_config(cfg, wid)  # a reload may not bring in a single-instance component
    try:
        build_graph(cfg, settings_maker(NopTelemetry(), build), _LOG)
    except GraphError as exc:
        raise CLIError(f"failed to build pipelines: {exc}") from None
    return cfg


class ConfigSource:
    """How a reload gets its config: the ``--config`` sources, or YAML handed over at run time
    (OpAMP), each with the process's ``--set`` flags and feature gates, checked as ``validate``
    checks it. In ``--workers`` mode a reload may not bring in a single-instance component."""

    def __init__(self, opts: Options, factories: Factories, gates: Registry, wid: int | None) -> None:
        self.opts, self.factories, self.gates, self.wid = opts, factories, gates, wid

    def load(self, config_yaml: bytes | None) -> Config:
        """The checked config of ``config_yaml``, or of the ``--config`` sources when None."""
        opts = Options(**{**self.opts.__dict__, "command": "validate"})
        if config_yaml is not None:
            try:
                text = config_yaml.decode()
            except UnicodeDecodeError as exc:
                raise CLIError(f"failed to get config: the configuration is not UTF-8: {exc}") from None
            opts.configs = [f"yaml:{text}"]
        try:
            cfg = load_config(opts, self.factories, self.gates)
            if self.wid is not None:
                _worker_config(cfg, self.wid)
        except CLIError as exc:
            if config_yaml is None:
                raise
            # where validate names the file a component is in, name the applied config
            raise CLIError(str(exc).replace(opts.configs[0], "the applied configuration")) from None
        return cfg


async def _reload(source: ConfigSource, service: Service, origin: str) -> str | None:
    """SIGHUP, a changed config file or ``POST /reload``. Go stops the pipelines, then loads the
    new config and exits if it is bad; here the new config is checked as ``validate`` does first
    (a bad one changes nothing), then the service swaps to it keeping what did not change running.
    Returns the error that was logged, or None.

    After a remote config (OpAMP), SIGHUP resolves that config again (its ``${env:...}`` may have
    changed) instead of reverting to the file; a change of a watched file does go back to it."""
    from ..component import ConfigRejected

    log = service.log
    from_files = origin == "file change"
    try:
        cfg = source.load(None if from_files else service.remote_config)
    except CLIError as exc:
        log.error(
            "Config reload failed, keeping the running configuration",
            extra={"fields": {"error": str(exc), "origin": origin}},
        )
        return str(exc)
    try:
        await service.reload(cfg, origin)
    except ConfigRejected as exc:
        return str(exc)  # logged by the service
    if from_files:
        service.remote_config = None
    return None


def admin_reloader(source: ConfigSource, service: Service) -> Callable[[bytes | None], Awaitable[None]]:
    """What the admin endpoint's ``POST /reload`` runs: a YAML body is applied as a remote config
    would be (``apply_config``); no body reloads the current sources, as SIGHUP does. Raises
    ConfigRejected with the logged error when the config is refused."""
    from ..component import ConfigRejected

    async def reload(body: bytes | None) -> None:
        if body is not None:
            await service.apply_config(body, "admin")
            return
        error = await _reload(source, service, "admin")
        if error is not None:
            raise ConfigRejected(error)

    return reload


async def run_collector(
    opts: Options, factories: Factories, gates: Registry, build: BuildInfo, early: EarlyLogs | None = None
) -> int:
    wid = workers.worker_id()
    cfg = load_config(opts, factories, gates)
    if wid is not None:
        _worker_config(cfg, wid)
    telemetry = _new_telemetry(cfg, build, wid)
    log: Any = telemetry.logger
    if early is not None:
        early.replay(log.logger)
    log.info("Starting %s...", build.command, extra={"fields": {"Version": build.version}})
    taps = None
    if opts.admin_endpoint:
        from ..admin import TapHub

        taps = TapHub()
    try:
        service = _new_service(cfg, telemetry, build, gates, log, taps)
    except CLIError:
        await telemetry.shutdown()
        raise

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
    source = ConfigSource(opts, factories, gates, wid)
    service.config_loader = source.load
    admin: AdminServer | None = None
    file_changed = asyncio.Event()
    watcher = _config_watcher(opts, file_changed, log)
    orphan_watch: asyncio.Task[None] | None = None
    if wid is not None:
        orphan_watch = asyncio.ensure_future(_stop_when_orphaned(os.getppid(), on_signal))
    try:
        try:
            if taps is not None:
                admin = _admin_server(opts, taps, service, source, telemetry)
            await telemetry.start()
            await _start_service(service)
        except OSError as exc:  # the own-metrics listener: Go fails creating the meter provider
            await telemetry.shutdown()
            raise CLIError(f"failed to create meter provider: {exc.strerror or exc}") from None
        except CLIError:
            await telemetry.shutdown()
            raise
        if admin is not None:
            try:
                await admin.start()
            except OSError as exc:
                await service.shutdown()
                await telemetry.shutdown()
                raise CLIError(f"failed to start the admin endpoint: {exc.strerror or exc}") from None
        while True:
            assert service.fatal is not None
            if wid is not None:
                workers.report_ready(telemetry.bound_endpoints)
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, reload, file_changed, service.fatal)]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            if stop.is_set() or service.fatal.is_set():
                break
            if reload.is_set():
                reload.clear()
                log.info("Received signal from OS", extra={"fields": {"signal": "hangup"}})
                await _reload(source, service, "sighup")
            if file_changed.is_set():
                file_changed.clear()
                await _reload(source, service, "file change")
        if received:
            log.info("Received signal from OS", extra={"fields": {"signal": received[0]}})
        log.info("Starting shutdown...")
        if admin is not None:
            await admin.stop()
        errors = await service.shutdown()
        log.info("Shutdown complete.")
        await telemetry.shutdown()
    finally:
        if orphan_watch is not None:
            orphan_watch.cancel()
        if watcher is not None:
            watcher.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
    if errors:
        print("Error: " + "\n".join(errors), file=sys.stderr)
        return 1
    return 0


def _admin_server(
    opts: Options, taps: TapHub, service: Service, source: ConfigSource, telemetry: Telemetry
) -> AdminServer:
    """The ``--admin-endpoint`` server; a bad endpoint (or a public one without a token) fails
    before anything starts."""
    from ..admin import AdminError, AdminServer, RecentLogs, service_status

    logs = RecentLogs()
    telemetry.logger.logger.addHandler(logs)
    try:
        return AdminServer(
            opts.admin_endpoint or "",
            taps,
            lambda: service_status(service),
            admin_reloader(source, service),
            telemetry.metrics_text,
            logs,
            os.environ.get("PYOTELCOL_ADMIN_TOKEN") or None,
        )
    except AdminError as exc:
        raise CLIError(str(exc)) from None


def _config_watcher(opts: Options, changed: asyncio.Event, log: Any) -> asyncio.Task[None] | None:
    """``--watch-config``: a task polling the config files, setting ``changed`` on a change."""
    if not opts.watch_config:
        return None
    from ..service.reload import ConfigWatcher, watched_files

    async def notify() -> None:
        changed.set()

    return asyncio.ensure_future(ConfigWatcher(watched_files(opts.configs), notify, log).run())


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


async def run_supervisor(
    opts: Options, factories: Factories, gates: Registry, build: BuildInfo, count: int, early: EarlyLogs | None = None
) -> int:
    """``--workers N``: validate, refuse single-instance components, then supervise N workers."""

    cfg = load_config(opts, factories, gates)
    try:
        workers.check_worker_policies(cfg)
    except workers.WorkersError as exc:
        raise CLIError(f"invalid configuration: {exc}") from None
    # Logging as configured; metrics are the workers' (summed by the supervisor), nothing bound here.
    telemetry = _new_telemetry(cfg, build, None)  # never started: binds nothing
    log: Any = telemetry.logger
    if early is not None:
        early.replay(log.logger)
    log.info("Starting %s supervisor...", build.command, extra={"fields": {"Version": build.version}})
    command = workers.worker_command(opts.configs, opts.sets, opts.gates)
    changed = asyncio.Event()
    watcher = _config_watcher(opts, changed, log)
    forwarder = asyncio.ensure_future(_hup_on(changed)) if watcher is not None else None
    try:
        code, error = await workers.Supervisor(count, command, cfg, log).run()
    finally:
        for task in (watcher, forwarder):
            if task is not None:
                task.cancel()
    await telemetry.shutdown()
    if error:
        print(f"Error: {error}", file=sys.stderr)
    return code


async def _hup_on(changed: asyncio.Event) -> None:
    """``--watch-config --workers N``: a changed file reaches every worker as a SIGHUP would."""
    while True:
        await changed.wait()
        changed.clear()
        os.kill(os.getpid(), signal.SIGHUP)


def _new_loop_runner() -> asyncio.Runner:
    try:
        import uvloop

        return asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        return asyncio.Runner()


def main(argv: Sequence[str] | None = None, factories: Factories | None = None, build: BuildInfo | None = None) -> int:
    """Entry point; a built distribution passes its own factories and build info."""
    build = build or BuildInfo(version=__version__)
    early: EarlyLogs | None = None
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv, build.command, build.version)
        if opts is None:
            return 0
        gates = GLOBAL
        for flag in opts.gates:
            try:
                gates.apply_flag(flag)
            except GateError as exc:
                raise FlagError(f'invalid argument {go_quote(flag)} for "--feature-gates" flag: {exc}') from None
        while gates.notices:  # Go prints these on stdout; here stdout carries only the command's output
            print(gates.notices.pop(0), file=sys.stderr)
        early = EarlyLogs(_LOG)
        if factories is None:
            factories = from_entry_points()
        if opts.command == "components":
            sys.stdout.write(components_yaml(factories, build))
            for line in factories.unavailable_report():  # installed but not loadable: say so, not omit
                print(line, file=sys.stderr)
        elif opts.command == "featuregate":
            sys.stdout.write(featuregate_text(gates, opts.gate_id))
        elif opts.command in ("print-initial-config", "print-config"):
            sys.stdout.write(print_initial_config(opts, factories, gates))
        elif opts.command == "validate":
            validate_command(opts, factories, gates)
        elif opts.command == "ottl":
            from ..ottl.cli import ottl_command

            return ottl_command(opts.ottl)
        elif opts.command == "tap":
            from .tap import DEFAULT_ADMIN, run_tap

            tool = opts.tool
            return run_tap(
                tool.get("admin-endpoint") or DEFAULT_ADMIN,
                tool.get("pipeline"),
                tool.get("component"),
                tool.get("signal"),
                int(tool.get("limit") or 0),
            )
        elif opts.command == "top":
            from .top import DEFAULT_URL, run_top

            tool = opts.tool
            return run_top(
                tool.get("metrics-url") or DEFAULT_URL,
                float(tool.get("interval") or 1),
                int(tool.get("iterations") or 0),
            )
        else:
            try:
                count = workers.workers_requested(opts.workers)
            except workers.WorkersError as exc:
                raise CLIError(str(exc)) from None
            if count > 0 and opts.admin_endpoint:
                raise CLIError("--admin-endpoint is not supported with --workers yet: each worker would need its own")
            with _new_loop_runner() as runner:
                if count > 0:
                    return runner.run(run_supervisor(opts, factories, gates, build, count, early))
                return runner.run(run_collector(opts, factories, gates, build, early))
        return 0
    except (CLIError, FlagError, GateError, RegistryError) as exc:
        if early is not None:
            early.flush_to_stderr()
        if workers.worker_id() is not None and workers.report_error(str(exc)):
            return 1  # the supervisor prints it
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    finally:
        if early is not None:
            early.flush_to_stderr()


if __name__ == "__main__":
    sys.exit(main())
