"""Feature gates with Go's stages and the ``--feature-gates`` flag syntax."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Stage(Enum):
    ALPHA = "Alpha"
    BETA = "Beta"
    STABLE = "Stable"
    DEPRECATED = "Deprecated"


class GateError(ValueError):
    pass


@dataclass
class Gate:
    id: str
    stage: Stage
    description: str
    from_version: str
    to_version: str = ""
    enabled: bool = False


def _core_gates() -> list[Gate]:
    alpha = [
        (
            "confmap.enableMergeAppendOption",
            "Union service::extensions and pipeline receiver/exporter lists when merging configs.",
        ),
        ("service.AllowNoPipelines", "Allow starting the collector with no pipelines."),
        ("service.profilesSupport", "Controls whether profiles support can be enabled."),
        ("service.partialReload", "Reload only the receivers whose config changed on SIGHUP."),
        ("telemetry.newPipelineTelemetry", "Injects component-identifying attributes into internal telemetry."),
        ("receiverhelper.newReceiverMetrics", "Report otelcol_receiver_failed_* and otelcol_receiver_requests."),
        ("pkg.exporterhelper.queueBatchEnabled", "Enable sending_queue.batch by default."),
        ("pdata.useProtoPooling", "Pool protobuf objects."),
    ]
    gates = [Gate(i, Stage.ALPHA, d, "v0.1.0") for i, d in alpha]
    gates.append(
        Gate(
            "service.partialReloadReceivers", Stage.BETA, "Reload receivers only when possible.", "v0.1.0", enabled=True
        )
    )
    # Removed from Go at v0.155 but still passed by scripts written for older collectors
    # (`print-initial-config --feature-gates=otelcol.printInitialConfig`): kept as a stable no-op.
    gates.append(
        Gate(
            "otelcol.printInitialConfig",
            Stage.STABLE,
            "Enable the print-initial-config command.",
            "v0.1.0",
            enabled=True,
        )
    )
    return gates


#: Entry points naming a component's gates (``module:GATES``, a sequence of Gate), declared by a
#: ``feature_gates`` key in its metadata.yaml: Go registers them when the component is compiled in,
#: so ``--feature-gates`` knows them before any component is created.
PLUGIN_GROUP = "pyotelcol.feature_gates"


class Registry:
    def __init__(self, gates: list[Gate] | None = None, *, plugins: bool = False) -> None:
        self._gates = {g.id: g for g in (gates if gates is not None else _core_gates())}
        self.notices: list[str] = []
        self._plugins_pending = plugins

    def register(self, gate: Gate) -> None:
        """Add a gate (Go's MustRegister): a second gate with the same id is a programming error."""
        known = self._gates.get(gate.id)
        if known is not None and known is not gate:
            raise GateError(f'attempted to add pre-existing gate "{gate.id}"')
        self._gates[gate.id] = gate

    def _load_plugins(self) -> None:
        if not self._plugins_pending:
            return
        self._plugins_pending = False
        from importlib import metadata

        for ep in metadata.entry_points(group=PLUGIN_GROUP):
            try:
                gates: Sequence[Gate] = ep.load()
            except Exception as exc:  # a broken plug-in is reported by the factory registry too
                self.notices.append(f"feature gates of {ep.name!r} could not be loaded: {exc}")
                continue
            for gate in gates:
                self.register(gate)

    def gates(self) -> list[Gate]:
        self._load_plugins()
        return sorted(self._gates.values(), key=lambda g: g.id)

    def get(self, gate_id: str) -> Gate | None:
        self._load_plugins()
        return self._gates.get(gate_id)

    def is_enabled(self, gate_id: str) -> bool:
        gate = self.get(gate_id)
        return gate is not None and gate.enabled

    def apply_flag(self, value: str) -> None:
        """Apply one ``--feature-gates`` value: ``a,+b,-c`` (an empty value changes nothing).

        Setting a stable gate on (or a deprecated one off) adds a notice to ``notices``; Go
        prints those on stdout, the CLI prints them on stderr so stdout stays parseable."""
        if value == "":
            return
        self._load_plugins()
        for index, item in enumerate(value.split(",")):
            item = item.strip()
            if not item:
                raise GateError(f"empty feature gate identifier at index {index}")
            enable = not item.startswith("-")
            gate_id = item.lstrip("+-")
            gate = self._gates.get(gate_id)
            if gate is None:
                valid = " ".join(sorted(self._gates))  # Go's %v of the ids it visits in sorted order
                raise GateError(f'no such feature gate "{gate_id}". valid gates: [{valid}]')
            if gate.stage is Stage.STABLE:
                if not enable:
                    raise GateError(f'feature gate "{gate_id}" is stable, can not be disabled')
                self.notices.append(f'Feature gate "{gate_id}" is stable and already enabled.')
                continue
            if gate.stage is Stage.DEPRECATED:
                if enable:
                    raise GateError(f'feature gate "{gate_id}" is deprecated, can not be enabled')
                continue
            gate.enabled = enable


GLOBAL = Registry(plugins=True)
