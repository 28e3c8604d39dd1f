"""Regenerate testdata/go_self_telemetry.json: the Go collector's own telemetry, pushed over OTLP.

Usage: ``.venv/bin/python tests/telemetry/make_go_fixture.py [path/to/otelcol-ref]`` (default:
``$OTELCOL_REF`` or tools/otelcol-ref/otelcol-ref, see tools/otelcol-ref/README.md).

Runs pyotelcol as the sink (collector B) and the Go collector as collector A with the same
config as test_otlp_push.py, sends it tests/fixtures/otlp/trace.json, and writes the shape that
test compares (``shape()``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/support.py

from support import EXAMPLES, REPO, free_port, wait_for_port  # noqa: E402

INSTANCE = "go-collector-a"


def _load_test_module() -> object:
    spec = importlib.util.spec_from_file_location("test_otlp_push", HERE / "test_otlp_push.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    default = os.environ.get("OTELCOL_REF", str(REPO / "tools" / "otelcol-ref" / "otelcol-ref"))
    binary = sys.argv[1] if len(sys.argv) > 1 else default
    tests = _load_test_module()
    with tempfile.TemporaryDirectory() as tmp:
        sink = tests.Sink(Path(tmp))  # type: ignore[attr-defined]
        a_http = free_port()
        config = Path(tmp) / "go-a.yaml"
        config.write_text(tests.collector_a_config(sink, a_http, INSTANCE, None))  # type: ignore[attr-defined]
        go = subprocess.Popen([binary, "--config", str(config)], stderr=subprocess.DEVNULL)
        try:
            wait_for_port(a_http)
            request = urllib.request.Request(
                f"http://127.0.0.1:{a_http}/v1/traces",
                data=(EXAMPLES / "trace.json").read_bytes(),
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(request, timeout=10).close()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                got = tests.shape(sink.batches(), INSTANCE)  # type: ignore[attr-defined]
                if len(got["spans"]) == 2 and got["log"] and "otelcol_receiver_accepted_spans" in got["metrics"]:
                    break
                time.sleep(0.5)
            else:
                raise SystemExit("the Go collector's telemetry did not arrive")
        finally:
            go.terminate()
            go.wait(timeout=30)
            sink.collector.stop()
    out = HERE / "testdata" / "go_self_telemetry.json"
    out.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
