"""The command line as a new user and a script meet it: a real ``pyotelcol`` process each time.

stdout carries only the command's document, every failure is one ``Error: ...`` line on stderr
with exit code 1 (flag errors too, as cobra does), config errors name what is wrong and where,
and grpcio's own C-core lines never reach stderr.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import yaml
from support import Collector, free_port, run_cli, wait_for_port

GRPC_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d", re.MULTILINE)


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def config(tmp_path: Path, extra_receiver: str = "", telemetry: str = "    metrics: {level: none}") -> Path:
    return write(
        tmp_path,
        f"""
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{free_port()}
{extra_receiver}
exporters:
  debug:
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [debug]}}
  telemetry:
{telemetry}
""",
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def one_error_line(stderr: str) -> str:
    """The ``Error:`` line, checking there is exactly one and no traceback."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


# -- 1. stdout carries only the document --------------------------------------------------------

STABLE_GATE = "--feature-gates=otelcol.printInitialConfig"


def test_print_initial_config_stdout_is_the_yaml_document(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        receivers:
          otlp:
            protocols:
              grpc:
                endpoint: 127.0.0.1:${env:H3_UNSET_PORT}
        exporters:
          debug:
        service:
          pipelines:
            traces: {receivers: [otlp], exporters: [debug]}
        """,
    )
    result = run_cli("print-initial-config", STABLE_GATE, "--config", str(path))
    assert result.returncode == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    assert doc["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "127.0.0.1:"
    assert 'Feature gate "otelcol.printInitialConfig" is stable and already enabled.' in result.stderr


@pytest.mark.parametrize(
    "args",
    [("components",), ("featuregate",), ("featuregate", "service.profilesSupport"), ("validate",)],
    ids=lambda a: " ".join(a),
)
def test_other_commands_keep_notices_off_stdout(tmp_path: Path, args: tuple[str, ...]) -> None:
    extra = ("--config", str(config(tmp_path))) if args[0] == "validate" else ()
    result = run_cli(*args, STABLE_GATE, *extra)
    assert result.returncode == 0, result.stderr
    assert "Feature gate" not in result.stdout
    assert "is stable and already enabled" in result.stderr
    if args == ("featuregate",):
        assert result.stdout.startswith("ID ")
    elif args[0] == "validate":
        assert result.stdout == ""
    else:
        assert isinstance(yaml.safe_load(result.stdout), dict)


def test_version_is_exactly_the_version_line() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"pyotelcol version \S+\n", result.stdout)


# -- 2. start-up failures: one clean line -------------------------------------------------------


def test_taken_self_metrics_port_is_one_clean_error(tmp_path: Path, taken_port: int) -> None:
    telemetry = f"""\
    metrics:
      readers:
        - pull:
            exporter:
              prometheus: {{host: 127.0.0.1, port: {taken_port}}}"""
    result = run_cli("--config", str(config(tmp_path, telemetry=telemetry)))
    assert result.returncode == 1
    assert one_error_line(result.stderr) == (
        f"Error: failed to create meter provider: binding address 127.0.0.1:{taken_port} for Prometheus "
        f"exporter: listen tcp 127.0.0.1:{taken_port}: bind: address already in use"
    )


def test_taken_health_check_port_is_one_clean_error(tmp_path: Path, taken_port: int) -> None:
    path = write(
        tmp_path,
        f"""
        receivers: {{nop: }}
        exporters: {{nop: }}
        extensions:
          health_check: {{endpoint: "127.0.0.1:{taken_port}"}}
        service:
          extensions: [health_check]
          pipelines:
            traces: {{receivers: [nop], exporters: [nop]}}
          telemetry:
            metrics: {{level: none}}
        """,
    )
    result = run_cli("--config", str(path))
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert line.startswith('Error: failed to start extensions: failed to start "health_check" extension: ')
    assert line.endswith(f"listen tcp 127.0.0.1:{taken_port}: bind: address already in use")
    assert "[Errno" not in line


def test_unwritable_file_exporter_path_reads_like_go(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
        receivers: {{nop: }}
        exporters:
          file: {{path: "{tmp_path}/missing-dir/out.json"}}
        service:
          pipelines:
            traces: {{receivers: [nop], exporters: [file]}}
          telemetry:
            metrics: {{level: none}}
        """,
    )
    result = run_cli("--config", str(path))
    assert result.returncode == 1
    assert one_error_line(result.stderr) == (
        f'Error: cannot start pipelines: failed to start "file" exporter: '
        f"open {tmp_path}/missing-dir/out.json: no such file or directory"
    )


def test_unopenable_log_output_is_one_clean_error(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "collector.log"
    result = run_cli("--config", str(config(tmp_path, telemetry=f"    logs: {{output_paths: ['{target}']}}")))
    assert result.returncode == 1
    assert one_error_line(result.stderr) == (
        f'Error: failed to create logger: couldn\'t open sink "{target}": open {target}: no such file or directory'
    )


# -- 3. unset environment variables are named ---------------------------------------------------


def test_unset_environment_variables_are_named_once_each(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        receivers:
          otlp:
            protocols:
              grpc: {endpoint: "127.0.0.1:${env:H3_UNSET_A}"}
              http: {endpoint: "127.0.0.1:${env:H3_UNSET_B}"}
        exporters:
          debug:
        service:
          pipelines:
            traces: {receivers: [otlp], exporters: [debug]}
        """,
    )
    for command in ("validate", "print-initial-config"):
        result = run_cli(command, "--config", str(path))
        assert result.returncode == 0, result.stderr
        warnings = [line for line in result.stderr.splitlines() if "unset environment variable" in line]
        assert len(warnings) == 2, result.stderr
        assert warnings[0].endswith('Configuration references unset environment variable\t{"name": "H3_UNSET_A"}')
        assert warnings[1].endswith('Configuration references unset environment variable\t{"name": "H3_UNSET_B"}')
        assert "\twarn\t" in warnings[0]


def test_unset_variable_warning_precedes_a_start_up_error(tmp_path: Path, taken_port: int) -> None:
    path = write(
        tmp_path,
        f"""
        receivers:
          otlp:
            protocols:
              grpc: {{endpoint: "127.0.0.1:{taken_port}${{env:H3_UNSET_SUFFIX}}"}}
        exporters:
          debug:
        service:
          pipelines:
            traces: {{receivers: [otlp], exporters: [debug]}}
          telemetry:
            metrics: {{level: none}}
        """,
    )
    result = run_cli("--config", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    warning = next(i for i, line in enumerate(lines) if '"name": "H3_UNSET_SUFFIX"}' in line)
    assert '"resource"' in lines[warning]  # written through the collector's configured logger
    assert warning < next(i for i, line in enumerate(lines) if line.startswith("Error: "))


# -- 5, 8. cobra's help, flag errors and exit codes ---------------------------------------------


def test_help_lists_the_subcommands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "Usage:\n  pyotelcol [flags]\n  pyotelcol [command]\n\nAvailable Commands:\n" in result.stdout
    commands = re.findall(r"^  ([a-z-]+) +\S", result.stdout.split("Available Commands:")[1].split("Flags:")[0], re.M)
    assert commands == ["components", "featuregate", "help", "ottl", "print-config", "tap", "top", "validate"]
    assert 'Use "pyotelcol [command] --help" for more information about a command.' in result.stdout
    sub = run_cli("print-initial-config", "-h")
    assert sub.returncode == 0
    assert "Aliases:\n  print-config, print-initial-config\n" in sub.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--foo",), "Error: unknown flag: --foo"),
        (("validate", "--foo=1"), "Error: unknown flag: --foo"),
        (("-x",), "Error: unknown shorthand flag: 'x' in -x"),
        (("foo",), 'Error: unknown command "foo" for "pyotelcol"'),
        (("--config",), "Error: flag needs an argument: --config"),
        (("validate", "extra"), "Error: accepts 0 arg(s), received 1"),
        (("--set", "foo", "--config", "x.yaml"), 'Error: invalid argument "foo" for "--set" flag: missing equal sign'),
        (
            ("print-config", "--validate=maybe"),
            'Error: invalid argument "maybe" for "--validate" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
        ),
    ],
)
def test_flag_errors_exit_1_with_cobras_wording(args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == message


def test_mistyped_subcommand_gets_a_suggestion() -> None:
    result = run_cli("validat")
    assert result.returncode == 1
    assert result.stderr == 'Error: unknown command "validat" for "pyotelcol"\n\nDid you mean this?\n\tvalidate\n\n'


def test_flags_after_arguments_and_equals_forms(tmp_path: Path) -> None:
    path = config(tmp_path)
    bad = run_cli("validate", f"--config={path}", "--set=exporters.debug.verbosity=loud")
    assert bad.returncode == 1 and '"loud"' in one_error_line(bad.stderr)
    ok = run_cli("validate", "--set", "exporters.debug.verbosity=detailed", "--config", str(path))
    assert ok.returncode == 0, ok.stderr
    flags_first = run_cli("--config", str(path), "validate")  # cobra finds the subcommand after flags
    assert flags_first.returncode == 0, flags_first.stderr


# -- 6. YAML errors name the file and the offending line once -----------------------------------


def test_duplicate_key_is_reported_once_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "receivers:\n  otlp:\n    protocols:\n      grpc:\n  otlp:\nexporters:\n  debug:\n")
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert line.endswith(f'yaml: {path}:5: mapping key "otlp" already defined at line 2')
    assert result.stderr.count("already defined") == 1


def test_bad_indent_names_the_file_and_the_offending_line(tmp_path: Path) -> None:
    path = write(tmp_path, "receivers:\n  otlp:\n    protocols:\n      grpc:\n     http:\nexporters:\n  debug:\n")
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    assert one_error_line(result.stderr).endswith(f"yaml: {path}:5: did not find expected key")


# -- 7. grpcio's C-core lines stay off stderr ---------------------------------------------------


def test_taken_grpc_port_leaves_no_grpc_core_line(tmp_path: Path, taken_port: int) -> None:
    path = write(
        tmp_path,
        f"""
        receivers:
          otlp:
            protocols:
              grpc: {{endpoint: "127.0.0.1:{taken_port}"}}
        exporters:
          debug:
        service:
          pipelines:
            traces: {{receivers: [otlp], exporters: [debug]}}
          telemetry:
            metrics: {{level: none}}
        """,
    )
    result = run_cli("--config", str(path), env={"GRPC_VERBOSITY": ""})
    assert result.returncode == 1
    assert not GRPC_LOG_LINE.search(result.stderr), result.stderr
    assert one_error_line(result.stderr).endswith(f"listen tcp 127.0.0.1:{taken_port}: bind: address already in use")
    # A verbosity the user chose is left alone: grpc's own line is there again. (grpc core
    # attempts the bind, and logs its failure, only where our check before binding is skipped:
    # in a --workers worker, which shares its ports.)
    chosen = run_cli("--config", str(path), env={"GRPC_VERBOSITY": "ERROR", "PYOTELCOL_WORKER_ID": "0"})
    assert chosen.returncode == 1
    assert GRPC_LOG_LINE.search(chosen.stderr), chosen.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_plaintext_client_on_tls_receiver_leaves_no_grpc_core_line(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    subprocess.run(
        ["openssl", "req", "-x509", *ec_key, "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=x"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    path = write(
        tmp_path,
        f"""
        receivers:
          otlp:
            protocols:
              grpc:
                endpoint: 127.0.0.1:{port}
                tls: {{cert_file: "{cert}", key_file: "{key}"}}
        exporters:
          debug:
        service:
          pipelines:
            traces: {{receivers: [otlp], exporters: [debug]}}
          telemetry:
            metrics: {{level: none}}
        """,
    )
    collector = Collector(path, env={"GRPC_VERBOSITY": "", "GRPC_TRACE": ""})
    try:
        wait_for_port(port, collector.proc)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            export = channel.unary_unary(
                "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                request_serializer=None,
                response_deserializer=None,
            )
            with pytest.raises(grpc.RpcError):
                export(b"", timeout=5)
    finally:
        code, _, stderr = collector.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert not GRPC_LOG_LINE.search(stderr), stderr
