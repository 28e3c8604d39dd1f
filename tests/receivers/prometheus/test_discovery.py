"""Service discovery of the prometheus receiver: ``file_sd_configs``, ``scrape_config_files`` and
``http_sd_configs``. The end-to-end tests run the real ``pyotelcol`` CLI against HTTP endpoints
in this process and read what the ``file`` exporter writes."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import logging
import ssl
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
import yaml
from pyotelcol.receivers.prometheus import create_factory
from pyotelcol.receivers.prometheus.discovery import HTTPDiscovery, TargetGroupError, parse_target_groups
from pyotelcol.receivers.prometheus.promconfig import HTTPSDConfig, TLSConfig
from support import run_cli

from pyotelcol.config import DecodeError, decode
from pyotelcol.config.decode import validate as validate_config


def _load(name: str, path: Path) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# test_scrape.py's helpers (Exposition, wait_for, ...): test folders are not packages
h = _load("pyotelcol_test_prometheus_scrape", Path(__file__).with_name("test_scrape.py"))
NO_RECORDED = 1
PREFIX = "prometheus receiver: failed to unmarshal yaml to prometheus config object: "


# --- the target-group document ---------------------------------------------------------------


def test_parse_json_and_yaml_target_groups() -> None:
    text = '[{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}, {"targets": ["c:3"]}]'
    assert parse_target_groups(text, "json") == [(["a:1", "b:2"], {"env": "prod"}), (["c:3"], {})]
    yml = "- targets: [a:1]\n  labels: {port: 9100, flag: true}\n"
    # YAML scalars are read as text, as Go's yaml.v2 reads them into string labels
    assert parse_target_groups(yml, "yaml") == [(["a:1"], {"port": "9100", "flag": "true"})]
    assert parse_target_groups("", "yaml") == []
    assert parse_target_groups('[{"Targets": ["a:1"]}]', "json") == [(["a:1"], {})]  # as Go's encoding/json


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("[null]", "json", "nil target group item found"),
        ('[{"targets": ["a:1"], "lables": {}}]', "json", 'unknown field "lables"'),
        ('{"targets": ["a:1"]}', "json", "a list of target groups is expected"),
        ('[{"targets": "a:1"}]', "json", "targets must be a list of strings"),
        ('[{"targets": ["a:1"], "labels": {"x": 1}}]', "json", "must be a string"),
        ('[{"targets": ["a:1"], "labels": {"": "v"}}]', "json", '"" is not a valid label name'),
        ('[{"targets": ["a:1"]', "json", "Expecting"),
        ("- targets: [a:1\n", "yaml", "expected"),
    ],
)
def test_malformed_target_groups(text: str, fmt: str, message: str) -> None:
    with pytest.raises(TargetGroupError, match=message):
        parse_target_groups(text, fmt)


# --- config ----------------------------------------------------------------------------------

COLLECTOR = """
receivers:
  prometheus:
    config:
%s
exporters: {nop: }
service:
  pipelines: {metrics: {receivers: [prometheus], exporters: [nop]}}
"""


def validate(tmp_path: Path, prom: str) -> tuple[int, str]:
    path = tmp_path / "collector.yaml"
    path.write_text(COLLECTOR % prom)
    res = run_cli("validate", "--config", str(path))
    return res.returncode, res.stderr


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ("file_sd_configs: [{files: []}]", "file service discovery config must contain at least one path name"),
        ("file_sd_configs: [{files: [targets.txt]}]", 'path name "targets.txt" is not valid for file discovery'),
        ("file_sd_configs: [{files: ['*/t.json']}]", 'path name "*/t.json" is not valid for file discovery'),
        ("file_sd_configs: [{files: [t.json], refresh_interval: 0s}]", "refresh_interval must be greater than 0"),
        ("file_sd_configs: [{files: [t.json], refresh: 1m}]", "has invalid keys: refresh"),
        ("http_sd_configs: [{refresh_interval: 1m}]", "URL is missing"),
        ("http_sd_configs: [{url: 'ftp://h/x'}]", "URL scheme must be 'http' or 'https'"),
        ("http_sd_configs: [{url: 'http:///x'}]", "host is missing in URL"),
        (
            "http_sd_configs: [{url: 'http://h/x', basic_auth: {username: u}, bearer_token: t}]",
            "at most one of basic_auth, authorization, bearer_token",
        ),
        ("consul_sd_configs: [{server: 'h:8500'}]", "consul_sd_configs not supported yet by pyotelcol"),
    ],
)
def test_sd_config_errors(job: str, message: str) -> None:
    factory = create_factory()
    raw = yaml.safe_load(f"config:\n  scrape_configs:\n    - job_name: j\n      {job}")
    try:
        cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
        errors = validate_config(cfg, "receivers::prometheus")
    except DecodeError as exc:
        errors = exc.errors
    assert len(errors) == 1
    assert errors[0].startswith("receivers::prometheus: " + PREFIX) or "has invalid keys" in errors[0]
    assert message in errors[0]


def test_validate_names_the_sd_problem(tmp_path: Path) -> None:
    code, err = validate(
        tmp_path, "      scrape_configs:\n        - {job_name: j, file_sd_configs: [{files: [t.txt]}]}"
    )
    assert code == 1
    assert PREFIX + 'path name "t.txt" is not valid for file discovery' in err


def test_scrape_config_files_are_merged_and_job_names_stay_unique(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "a.yml").write_text("scrape_configs:\n  - {job_name: from_a, static_configs: [{targets: ['h:1']}]}\n")
    (jobs / "b.yml").write_text("scrape_configs:\n  - {job_name: from_b, file_sd_configs: [{files: [t/*.json]}]}\n")
    inline = "      scrape_configs:\n        - {job_name: inline, static_configs: [{targets: ['h:2']}]}\n"
    files = f"      scrape_config_files: ['{jobs}/*.yml']\n"
    assert validate(tmp_path, inline + files) == (0, "")
    assert validate(tmp_path, files)[0] == 0  # the files alone are enough

    # the same job name in the main config and a file
    (jobs / "c.yml").write_text("scrape_configs:\n  - {job_name: inline}\n")
    code, err = validate(tmp_path, inline + files)
    assert code == 1
    assert (
        'config: failed to get scrape configs: "'
        + str(jobs / "c.yml")
        + '": found multiple scrape configs with job name "inline", first found in main config file'
    ) in err
    # ... and in two files
    (jobs / "c.yml").write_text("scrape_configs:\n  - {job_name: from_a}\n")
    code, err = validate(tmp_path, inline + files)
    assert code == 1
    assert f'job name "from_a", first found in "{jobs / "a.yml"}"' in err

    # a job in a file is checked like an inline one, with the file named
    (jobs / "c.yml").write_text("scrape_configs:\n  - {job_name: c, scrape_intervall: 1s}\n")
    code, err = validate(tmp_path, files)
    assert code == 1 and f'"{jobs / "c.yml"}": ' in err and "invalid keys: scrape_intervall" in err
    (jobs / "c.yml").write_text("scrape_configs:\n  - {job_name: c, kubernetes_sd_configs: [{role: pod}]}\n")
    code, err = validate(tmp_path, files)
    assert code == 1 and "kubernetes_sd_configs not supported yet by pyotelcol" in err

    code, err = validate(tmp_path, "      scrape_config_files: ['*/x/*.yml']\n")
    assert code == 1 and 'invalid scrape config file path "*/x/*.yml"' in err


# --- end to end ------------------------------------------------------------------------------


@pytest.fixture
def expositions() -> Iterator[list[Any]]:
    servers = [h.Exposition() for _ in range(2)]
    for i, server in enumerate(servers):
        server.body = f"# TYPE app_value gauge\napp_value {i + 1}\n"
    yield servers
    for server in servers:
        server.close()


def up_points(reqs: list[Any], job: str, instance: str) -> list[Any]:
    return [
        p
        for rm in h.job_rms(reqs, job)
        if h.res_attrs(rm)["service.instance.id"] == instance and "up" in h.metrics(rm)
        for p in h.points(h.metrics(rm)["up"])
    ]


def test_file_sd_targets_follow_the_files(collector_factory: Any, tmp_path: Path, expositions: list[Any]) -> None:
    """Targets come from a file that a job read from ``scrape_config_files`` names relative to
    itself; editing the file adds and removes targets (the removed one's series go stale); a
    malformed file keeps the targets it gave before; ``__meta_filepath`` can be relabeled."""
    a, b = (f"127.0.0.1:{s.port}" for s in expositions)
    jobs = tmp_path / "jobs"
    (jobs / "targets").mkdir(parents=True)
    targets = jobs / "targets" / "app.json"
    targets.write_text(json.dumps([{"targets": [a], "labels": {"team": "blue"}}]))
    (jobs / "app.yml").write_text(
        """scrape_configs:
  - job_name: app
    scrape_interval: 1s
    file_sd_configs: [{files: ["targets/*.json"]}]
    relabel_configs:
      - {source_labels: [__meta_filepath], regex: ".*/(.*)\\\\.json", target_label: sd_file}
"""
    )
    out = tmp_path / "out.json"
    inline = "        - {job_name: inline, scrape_interval: 1h, static_configs: [{targets: ['127.0.0.1:1']}]}"
    extra = f"    config:\n      scrape_config_files: ['{jobs}/*.yml']"
    text = h.config(out, inline).replace("    config:\n", extra + "\n", 1)
    col = collector_factory(text)

    reqs = h.wait_for(out, lambda r: len(up_points(r, "app", a)) >= 1, col)
    rm = next(rm for rm in h.job_rms(reqs, "app") if "app_value" in h.metrics(rm))
    (p,) = h.points(h.metrics(rm)["app_value"])
    assert p["asDouble"] == 1
    # the group's label and the relabeled file name; __meta_* labels end with relabeling
    assert h.attrs(p) == {"team": "blue", "sd_file": "app"}

    # B replaces A: B is scraped, A's series get one stale point each (app_value and up)
    targets.write_text(json.dumps([{"targets": [b], "labels": {"team": "green"}}]))

    def a_stale(reqs: list[Any]) -> bool:
        return any(pt.get("flags") == NO_RECORDED for pt in up_points(reqs, "app", a))

    reqs = h.wait_for(out, lambda r: a_stale(r) and len(up_points(r, "app", b)) >= 1, col)
    stale = [rm for rm in h.job_rms(reqs, "app") if h.res_attrs(rm)["service.instance.id"] == a]
    last = stale[-1]
    assert set(h.metrics(last)) == {"app_value", *h.SYNTHETIC}
    assert all(pt.get("flags") == NO_RECORDED for m in h.metrics(last).values() for pt in h.points(m))
    scrapes_of_a = len(expositions[0].seen)

    # a malformed file: logged, and B keeps being scraped
    targets.write_text('[{"targets": ["' + a + '"')
    seen_b = len(up_points(h.requests(out), "app", b))
    reqs = h.wait_for(out, lambda r: len(up_points(r, "app", b)) >= seen_b + 3, col)
    assert all(pt.get("flags") is None and pt["asDouble"] == 1 for pt in up_points(reqs, "app", b))
    assert len(expositions[0].seen) == scrapes_of_a  # A was not picked up from the broken file
    code, _, err = col.stop()
    assert code == 0, err
    errors = [line for line in err.splitlines() if "Error reading file" in line]
    assert errors and str(targets) in errors[0]


class TargetsServer:
    """An HTTP SD endpoint: answers with ``groups`` as JSON (or ``status``), records requests."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.groups: list[Any] = []
        self.status = 200
        self.seen: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.seen.append(dict(self.headers))
                data = json.dumps(owner.groups).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_http_sd(collector_factory: Any, tmp_path: Path, expositions: list[Any]) -> None:
    a, b = (f"127.0.0.1:{s.port}" for s in expositions)
    sd = TargetsServer()
    try:
        sd.groups = [{"targets": [a], "labels": {"zone": "z1"}}]
        url = f"http://127.0.0.1:{sd.port}/targets"
        out = tmp_path / "out.json"
        jobs = f"""        - job_name: http
          scrape_interval: 1s
          http_sd_configs: [{{url: "{url}", refresh_interval: 1s, basic_auth: {{username: sd, password: pw}}}}]
          relabel_configs:
            - {{source_labels: [__meta_url], regex: ".*/(.*)", target_label: sd_path}}"""
        col = collector_factory(h.config(out, jobs))
        reqs = h.wait_for(out, lambda r: len(up_points(r, "http", a)) >= 1, col)
        rm = next(rm for rm in h.job_rms(reqs, "http") if "app_value" in h.metrics(rm))
        assert h.attrs(h.points(h.metrics(rm)["app_value"])[0]) == {"zone": "z1", "sd_path": "targets"}
        headers = sd.seen[0]
        assert headers["Accept"] == "application/json"
        assert headers["X-Prometheus-Refresh-Interval-Seconds"] == "1"
        assert headers["Authorization"] == "Basic " + base64.b64encode(b"sd:pw").decode()

        # a second target appears with the next refresh
        sd.groups = [{"targets": [a], "labels": {"zone": "z1"}}, {"targets": [b]}]
        h.wait_for(out, lambda r: len(up_points(r, "http", b)) >= 1, col)

        # a failing endpoint keeps the targets it gave
        sd.status = 500
        requests_before = len(sd.seen)
        seen_b = len(up_points(h.requests(out), "http", b))
        reqs = h.wait_for(out, lambda r: len(up_points(r, "http", b)) >= seen_b + 3, col)
        assert len(sd.seen) > requests_before  # it was asked again
        assert all(pt.get("flags") is None for pt in up_points(reqs, "http", b) + up_points(reqs, "http", a))
        code, _, err = col.stop()
        assert code == 0, err
        errors = [line for line in err.splitlines() if "Unable to refresh target groups" in line]
        assert errors and "500" in errors[0]
    finally:
        sd.close()


def test_print_config_masks_the_http_sd_secrets(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(
        COLLECTOR
        % """      scrape_configs:
        - job_name: app
          bearer_token: job-token
          http_sd_configs:
            - {url: "http://127.0.0.1:1/sd", basic_auth: {username: u, password: hunter2}}
            - {url: "http://127.0.0.1:1/sd2", authorization: {credentials: s3cret}}
            - {url: "http://127.0.0.1:1/sd3", bearer_token: sd-token}
"""
    )
    result = run_cli("print-config", "--feature-gates=otelcol.printInitialConfig", "--config", str(path))
    assert result.returncode == 0, result.stderr
    for secret in ("job-token", "hunter2", "s3cret", "sd-token"):
        assert secret not in result.stdout
    assert result.stdout.count("[REDACTED]") == 4 and "username: u" in result.stdout


def test_http_sd_over_tls(tmp_path: Path) -> None:
    """``HTTPDiscovery`` on its own against an HTTPS endpoint whose self-signed certificate
    ``tls_config.ca_file`` trusts; without it the refresh fails and keeps the previous groups."""
    srv = _load("pyotelcol_test_srvsupport", Path(__file__).parents[2] / "config" / "srvsupport.py")
    cert = srv.write_cert(tmp_path, "localhost")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, tmp_path / "server.key")
    sd = TargetsServer(tls)
    sd.groups = [{"targets": ["10.0.0.1:9100"]}]
    url = f"https://127.0.0.1:{sd.port}/sd"

    async def refresh(tls_config: TLSConfig) -> tuple[bool, list[Any]]:
        cfg = HTTPSDConfig(url=url, tls_config=tls_config, refresh_s=5)
        async with aiohttp.ClientSession() as session:
            discovery = HTTPDiscovery(cfg, session, "test/0", logging.getLogger("test.http_sd"))
            return await discovery.refresh(), discovery.groups()

    try:
        changed, groups = asyncio.run(refresh(TLSConfig(ca_file=str(cert))))
        assert changed
        assert [(g.source, g.targets, dict(g.labels)) for g in groups] == [
            (f"{url}:0", ("10.0.0.1:9100",), {"__meta_url": url})
        ]
        assert asyncio.run(refresh(TLSConfig())) == (False, [])  # the certificate is not trusted
    finally:
        sd.close()
