"""Decorators that turn a plain function into a packaged component (``pyotelcol.processor``,
``pyotelcol.exporter``, ``pyotelcol.receiver``, ``pyotelcol.connector``).

::

    from dataclasses import dataclass
    import pyotelcol

    @dataclass
    class ScrubConfig:
        mask: str = "****"

    @pyotelcol.processor("scrub", signals=["traces", "logs"], config=ScrubConfig)
    def scrub(data, config: ScrubConfig):
        ...
        return data

The decorated object still calls the function (unit tests keep working); ``scrub.create_factory``
is the component factory, for an entry point (``scrub = "acme.scrub:scrub.create_factory"`` in
the group ``pyotelcol.processors``) or a builder manifest (``import: acme.scrub:scrub.create_factory``),
and ``scrub.readme()`` writes a README stub with the config table. The YAML section is decoded
into the config dataclass with the same strictness as every component (unknown keys are errors),
and its ``validate()`` method, if any, runs at ``pyotelcol validate``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar

from .component import Kind, Settings, Signal, StabilityLevel
from .component.ids import validate_type
from .consumer import Consumer, PermanentError
from .helpers.pyfunction import ERROR_MODES

__all__ = ["PythonComponent", "connector", "exporter", "processor", "receiver"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass
class NoConfig:
    """The config of a component that declares none: an empty section."""


def _signal(name: str) -> Signal:
    try:
        signal = Signal(name)
    except ValueError:
        signal = None
    if signal not in (Signal.TRACES, Signal.METRICS, Signal.LOGS):
        raise ValueError(f"unknown signal {name!r}: use traces, metrics or logs")
    return signal


def _signals(names: Iterable[str]) -> tuple[Signal, ...]:
    out = tuple(_signal(name) for name in names)
    if not out:
        raise ValueError("a component needs at least one signal")
    return out


def _pairs(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[Signal, Signal], ...]:
    out = tuple((_signal(source), _signal(target)) for source, target in pairs)
    if not out:
        raise ValueError("a connector needs at least one (source, target) signal pair")
    return out


def _level(name: str) -> StabilityLevel:
    for level in StabilityLevel:
        if level.name.lower() == name.lower() or str(level).lower() == name.lower():
            return level
    raise ValueError(f"unknown stability level {name!r}")


class PythonComponent(Generic[F]):
    """A function with the metadata of the component it is; calling it calls the function.
    ``signals``: the signals it takes; for a connector, ``(source, target)`` pairs."""

    def __init__(
        self,
        kind: Kind,
        fn: F,
        type_: str,
        signals: Sequence[Any],
        config: type[Any] | None,
        stability: str,
        timeout: timedelta | None,
        run_in_thread: bool,
        error_mode: str = "propagate",
    ) -> None:
        validate_type(type_)
        if config is not None and not dataclasses.is_dataclass(config):
            raise TypeError(f"{type_}: config must be a dataclass, got {config!r}")
        functools.update_wrapper(self, fn)
        self.kind = kind
        self.fn = fn
        self.type = type_
        if kind is Kind.CONNECTOR:
            self.pairs = _pairs(signals)
            self.signals = tuple(dict.fromkeys(s for pair in self.pairs for s in pair))
        else:
            self.pairs = ()
            self.signals = _signals(signals)
        if error_mode not in ERROR_MODES:
            raise ValueError(f"error_mode must be propagate, ignore or silent, got {error_mode!r}")
        self.error_mode = error_mode
        self.stability = _level(stability)
        # One running receiver per config object, whatever the signals (as the python receiver).
        self._receivers: Any = None
        self.config_class: type[Any] = config or NoConfig
        self.timeout = timeout
        self.run_in_thread = run_in_thread

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"

    def _call(self, cfg: Any) -> Any:
        from .helpers.pyfunction import FunctionCall

        seconds = self.timeout.total_seconds() if self.timeout is not None else None
        return FunctionCall(self.fn, cfg, seconds, self.run_in_thread, self.name)

    def create_factory(self) -> Any:
        """The component factory (for an entry point or a builder manifest)."""
        from .factories import ConnectorFactory, ExporterFactory, ProcessorFactory, ReceiverFactory

        stability = dict.fromkeys(self.signals, self.stability)
        if self.kind is Kind.PROCESSOR:
            return ProcessorFactory(self.type, self.config_class, create=self._create_processor, stability=stability)
        if self.kind is Kind.RECEIVER:
            return ReceiverFactory(self.type, self.config_class, create=self._create_receiver, stability=stability)
        if self.kind is Kind.CONNECTOR:
            pairs = dict.fromkeys(self.pairs, self.stability)
            return ConnectorFactory(self.type, self.config_class, create=self._create_connector, stability=pairs)
        return ExporterFactory(
            self.type, self._exporter_config_class(), create=self._create_exporter, stability=stability
        )

    # -- receivers ----------------------------------------------------------------------------
    def _create_receiver(self, settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> Any:
        from .helpers.pyreceiver import FunctionReceiver
        from .helpers.sharedcomponent import SharedComponents

        if self._receivers is None:
            self._receivers = SharedComponents[FunctionReceiver]()
        receiver: FunctionReceiver = self._receivers.get_or_add(
            cfg, lambda: FunctionReceiver(settings, self.fn, cfg, self.name)
        )
        receiver.register(signal, next_consumer)
        return receiver

    # -- connectors ---------------------------------------------------------------------------
    def _create_connector(
        self, settings: Settings, source: Signal, target: Signal, cfg: Any, next_consumer: Consumer
    ) -> Any:
        from .helpers.pyconnector import FunctionConnector

        return FunctionConnector(settings, target, self._call(cfg), self.error_mode, next_consumer)

    # -- processors ---------------------------------------------------------------------------
    def _create_processor(self, settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> Any:
        from .helpers.processorhelper import Processor
        from .pdata import AnyData

        call = self._call(cfg)

        async def process(data: AnyData) -> AnyData | None:
            try:
                result = await call(data)
            except Exception as exc:
                raise PermanentError(f"{self.type} processor: {type(exc).__name__}: {exc}") from exc
            if result is not None and not isinstance(result, type(data)):
                raise PermanentError(
                    f"{self.type} processor returned {type(result).__name__}, not {type(data).__name__}"
                )
            return result

        return Processor(settings, signal, next_consumer, process, mutates_data=True)

    # -- exporters ----------------------------------------------------------------------------
    def _exporter_config_class(self) -> type[Any]:
        """The author's config plus the exporter helper's settings (``timeout``, ``sending_queue``,
        ``retry_on_failure``), as every exporter has them."""
        from .config import OptionalSection
        from .helpers.exporterhelper import QueueConfig, RetryConfig, default_queue

        timeout = self.timeout if self.timeout is not None else timedelta(seconds=5)
        return dataclasses.make_dataclass(
            self.config_class.__name__,
            [
                ("timeout", timedelta, dataclasses.field(default=timeout)),
                ("sending_queue", OptionalSection[QueueConfig], dataclasses.field(default_factory=default_queue)),
                ("retry_on_failure", RetryConfig, dataclasses.field(default_factory=RetryConfig)),
            ],
            bases=(self.config_class,),
        )

    def _create_exporter(self, settings: Settings, signal: Signal, cfg: Any) -> Any:
        from .helpers.exporterhelper import ExporterHelper
        from .helpers.pyfunction import FunctionCall
        from .pdata import AnyData

        call = FunctionCall(self.fn, cfg, cfg.timeout.total_seconds(), self.run_in_thread, self.name)

        async def push(data: AnyData) -> None:
            await call(data)

        return ExporterHelper(settings, signal, push, timeout=None, retry=cfg.retry_on_failure, queue=cfg.sending_queue)

    # -- docs ---------------------------------------------------------------------------------
    def _signals_text(self) -> str:
        if self.pairs:
            return ", ".join(f"{a.value} → {b.value}" for a, b in self.pairs)
        return ", ".join(s.value for s in self.signals)

    def readme(self) -> str:
        """A README stub: what the component is, its stability and its config table."""
        kind = self.kind.value
        lines = [
            f"# {self.type} {kind}",
            "",
            "| Status | |",
            "|---|---|",
            f"| Stability | {self.stability.name.lower()}: {self._signals_text()} |",
            f"| Source | `{self.name}` |",
            "",
            (self.fn.__doc__ or "").strip() or f"A {kind} written in Python.",
            "",
            "## Configuration",
            "",
            "| Key | Type | Default |",
            "|---|---|---|",
        ]
        config_class = self._exporter_config_class() if self.kind is Kind.EXPORTER else self.config_class
        for f in dataclasses.fields(config_class):
            if f.default is not dataclasses.MISSING:
                default = repr(f.default)
            elif f.default_factory is not dataclasses.MISSING:
                default = repr(f.default_factory())
            else:
                default = "required"
            shown = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
            lines.append(f"| `{f.name}` | `{shown}` | `{default}` |")
        lines += ["", "```yaml", f"{kind}s:", f"  {self.type}:", "```", ""]
        return "\n".join(lines)


def _decorator(
    kind: Kind,
    type_: str,
    signals: Sequence[Any],
    config: type[Any] | None,
    stability: str,
    timeout: timedelta | None,
    run_in_thread: bool,
    error_mode: str = "propagate",
) -> Callable[[F], PythonComponent[F]]:
    def wrap(fn: F) -> PythonComponent[F]:
        return PythonComponent(kind, fn, type_, signals, config, stability, timeout, run_in_thread, error_mode)

    return wrap


def processor(
    type: str,
    *,
    signals: Sequence[str] = ("traces", "metrics", "logs"),
    config: type[Any] | None = None,
    stability: str = "development",
    timeout: timedelta | None = timedelta(seconds=1),
    run_in_thread: bool = False,
) -> Callable[[F], PythonComponent[F]]:
    """A processor from ``fn(data, config) -> data | None`` (sync or async): returning None
    drops the data, raising fails the request with a permanent error."""
    return _decorator(Kind.PROCESSOR, type, signals, config, stability, timeout, run_in_thread)


def exporter(
    type: str,
    *,
    signals: Sequence[str] = ("traces", "metrics", "logs"),
    config: type[Any] | None = None,
    stability: str = "development",
    timeout: timedelta | None = timedelta(seconds=5),
    run_in_thread: bool = False,
) -> Callable[[F], PythonComponent[F]]:
    """An exporter from ``fn(data, config)`` (sync or async) sending the data: raising fails the
    send, retried per ``retry_on_failure`` unless it is a PermanentError. The YAML section also
    takes ``timeout``, ``sending_queue`` and ``retry_on_failure`` as every exporter's."""
    return _decorator(Kind.EXPORTER, type, signals, config, stability, timeout, run_in_thread)


def receiver(
    type: str,
    *,
    signals: Sequence[str] = ("traces", "metrics", "logs"),
    config: type[Any] | None = None,
    stability: str = "development",
) -> Callable[[F], PythonComponent[F]]:
    """A receiver from ``fn(emit, config)``, run from start to shutdown: an ``async def`` awaits
    ``emit(data)`` per request (cancelled at shutdown); a plain function runs in its own thread
    where ``emit`` blocks (``pyotelcol.helpers.pyreceiver.ReceiverStopped`` at shutdown)."""
    return _decorator(Kind.RECEIVER, type, signals, config, stability, None, False)


def connector(
    type: str,
    *,
    pairs: Sequence[tuple[str, str]],
    config: type[Any] | None = None,
    stability: str = "development",
    timeout: timedelta | None = timedelta(seconds=1),
    run_in_thread: bool = False,
    error_mode: str = "propagate",
) -> Callable[[F], PythonComponent[F]]:
    """A connector from ``fn(data, config) -> data of the target signal | None`` for each
    ``(source, target)`` pair, e.g. ``pairs=[("traces", "metrics")]``."""
    return _decorator(Kind.CONNECTOR, type, pairs, config, stability, timeout, run_in_thread, error_mode)
