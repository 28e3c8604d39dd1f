"""Every public real-world config either validates or fails only for component types we don't ship.

The test prints which types are missing (run with ``-s``), so the list shrinks as components land.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from support import MISSING_COMPONENT_TYPES, REAL_CONFIGS_VALID, run_cli

# Opt-in: the project's collection of real-world configs is not part of the repository. Point
# PYOTELCOL_REAL_CONFIGS at it (the folder with INDEX.md) to run this module; it skips otherwise.
_GIVEN = os.environ.get("PYOTELCOL_REAL_CONFIGS", "")
CONFIGS = Path(_GIVEN)
if not _GIVEN or not (CONFIGS / "INDEX.md").is_file():
    pytest.skip(
        "opt-in: set PYOTELCOL_REAL_CONFIGS to a folder of real-world configs (with INDEX.md) to run it",
        allow_module_level=True,
    )
# Removed from Go as well (v0.111); Go rejects it with this same message.
REMOVED_LOGGING = "error decoding 'exporters': the logging exporter has been deprecated, use the debug exporter instead"
UNKNOWN = re.compile(
    r"^error decoding '(\w+)': unknown type: \"([^\"]+)\" for id: \"[^\"]*\" \(valid values: \[.*\]\)$"
)
# Go refuses a profiles pipeline without its alpha gate too; pyotelcol has no profiles exporters yet.
PROFILES_GATE = 'pipeline "profiles": profiling signal support is at alpha level'
# Configs the Go collector v0.165 refuses too, with the errors it gives (checked in its source):
# the couchbase example predates metricstransform's required aggregation_type for combine
# (metricstransformprocessor factory.go) and uses convert_gauge_to_sum in the datapoint context,
# where transform v0.165 no longer offers it (internal/metrics/functions.go).
GO_REJECTS = {
    "contrib__couchbase-otel-collector-config.yaml": [
        'processors::metricstransform/couchbase: missing required field "aggregation_type" while "action" is combine',
        'function "convert_gauge_to_sum" is not supported in the "datapoint" context',
    ],
}
# The demo runs these as overlays on top of its base config (INDEX.md, "Overlays").
OVERLAYS = {
    "otel-demo__otelcol-config-observability.yaml": "otel-demo__otelcol-config.yaml",
    "otel-demo__otelcol-config-full.yaml": "otel-demo__otelcol-config.yaml",
}


def _env_table() -> dict[str, dict[str, str]]:
    """The env vars INDEX.md says each config needs (`NAME`=value entries in the table)."""
    envs: dict[str, dict[str, str]] = {}
    for line in (CONFIGS / "INDEX.md").read_text().splitlines():
        if not re.match(r"^\| \d+ \|", line):
            continue
        cells = [c.strip() for c in line.split("|")]
        name = cells[2].strip("`")
        pairs = re.finditer(r"`([A-Za-z0-9_]+)`=([^<\[|]*)", line)
        # values may carry a note such as "100 (file default)": the value is before the note
        envs[name] = {m.group(1): re.sub(r"\s*\(.*\)\s*$", "", m.group(2)).strip() for m in pairs}
    return envs


ENVS = _env_table()

# Paths on the host a config expects, which Go checks at validate time too (hostmetrics'
# ``root_path``, file_storage's ``directory``): such a config is validated again with the path
# pointed at a temporary directory, so that everything else in it is still checked.
HOST_PATHS = [
    (re.compile(r"^(\w+)::(\S+): invalid root_path: stat \S+: no such file or directory$"), "root_path"),
    (re.compile(r"^(\w+)::(\S+): directory must exist: stat \S+: no such file or directory\."), "directory"),
]


def _host_path_overrides(message: str, tmp: Path) -> list[str]:
    """``--set`` flags replacing every missing host path the error lists (empty: not that error)."""
    overrides = []
    for line in message.splitlines():
        for pattern, key in HOST_PATHS:
            m = pattern.match(line.removeprefix("Error: "))
            if m:
                target = tmp / f"{m.group(2).replace('/', '_')}-{key}"
                target.mkdir(exist_ok=True)
                overrides.append(f"--set={m.group(1)}::{m.group(2)}::{key}={target}")
    return overrides


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_real_config(name: str, tmp_path: Path) -> None:
    assert name in ENVS, f"{name} is not in INDEX.md"
    files = [CONFIGS / OVERLAYS[name], CONFIGS / name] if name in OVERLAYS else [CONFIGS / name]
    env = {**ENVS.get(OVERLAYS.get(name, ""), {}), **ENVS[name]}
    args = ["validate"] + [f"--config={f}" for f in files]
    result = run_cli(*args, env=env)
    overrides = _host_path_overrides(result.stderr.strip(), tmp_path) if result.returncode else []
    if overrides:
        print(f"\n{name}: host paths replaced: {', '.join(overrides)}")
        result = run_cli(*args, *overrides, env=env)
    REAL_CONFIGS_VALID[name] = result.returncode == 0
    if name in GO_REJECTS:
        assert result.returncode != 0, f"{name} validates, but Go refuses it"
        for expected in GO_REJECTS[name]:
            assert expected in result.stderr, result.stderr
        return
    if result.returncode == 0:
        return
    # warnings (e.g. a deprecated alias such as `otlp`) may be logged before the error
    message = result.stderr[result.stderr.index("Error: ") :].strip() if "Error: " in result.stderr else result.stderr
    if PROFILES_GATE in message:  # every component decoded; only the profiles signal is missing
        MISSING_COMPONENT_TYPES.update(["signal profiles"])
        return
    assert message.startswith("Error: failed to get config: cannot unmarshal the configuration: decoding failed"), (
        message
    )
    body = message.split("\n\n", 1)[1].split("\n(")[0]
    lines = [line for line in body.splitlines() if line.strip()]
    missing = []
    for line in lines:
        if line == REMOVED_LOGGING:
            missing.append("exporter logging (removed from Go too)")
            continue
        m = UNKNOWN.match(line)
        assert m, f"{name}: an error other than an unknown component type:\n{line}\n\nfull output:\n{message}"
        missing.append(f"{m.group(1)[:-1]} {m.group(2)}")
    MISSING_COMPONENT_TYPES.update(missing)
    print(f"\n{name}: missing {', '.join(missing)}")
