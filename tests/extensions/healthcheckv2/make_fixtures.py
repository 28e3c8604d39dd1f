"""Record the Go collector's healthcheckv2 answers as testdata/go_responses.json.

    python tests/extensions/healthcheckv2/make_fixtures.py <otelcol binary with healthcheckv2>

The binary is tools/otelcol-ref built with contrib extension/healthcheckv2extension v0.165.0
added to its extensions (main.go: ``healthcheckv2extension.NewFactory()``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # run as a script beside difftest_config.py
_shared = __import__("difftest_config")
LEGACY_PATHS, PATHS, config, fetch = _shared.LEGACY_PATHS, _shared.PATHS, _shared.config, _shared.fetch


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(binary: str) -> None:
    http_port, legacy_port, otlp_port = _port(), _port(), _port()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(config(http_port, legacy_port, otlp_port))
        proc = subprocess.Popen([binary, "--config", str(path)], stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)  # every component started and reported
            out = {
                "v2": {p: fetch(f"http://127.0.0.1:{http_port}{p}") for p in PATHS},
                "legacy": {p: fetch(f"http://127.0.0.1:{legacy_port}{p}") for p in LEGACY_PATHS},
            }
        finally:
            proc.terminate()
            proc.wait(30)
    (HERE / "testdata" / "go_responses.json").write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
