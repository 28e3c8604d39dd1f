"""The core confmap providers (env, file, yaml, http, https) and what they retrieve."""

from __future__ import annotations

import logging
import os
import posixpath
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from .errors import ResolveError, go_quote, go_type
from .merge import as_conf_map, copy_tree
from .yamlload import YamlError, load_yaml

SCHEMES = ("env", "file", "http", "https", "yaml")
ENV_NAME_PATTERN = "^[a-zA-Z_][a-zA-Z0-9_]*$"
_ENV_NAME = re.compile(ENV_NAME_PATTERN)
_NOT_YAML = "assuming string type since contents are not valid YAML"
HTTP_TIMEOUT = 30.0  # Go's client has none; a config fetch that hangs forever helps nobody.


@dataclass(frozen=True)
class Retrieved:
    """A provider's result: the parsed value and, usually, the text it came from."""

    raw: Any
    text: str | None = None  # Go's string representation; None when not set
    hint: str = ""  # why the value is a string although a map may have been meant
    yaml_error: YamlError | None = None  # set when the text was not valid YAML

    def as_string(self) -> str:
        if self.text is not None:
            return self.text
        if isinstance(self.raw, str):
            return self.raw
        raise ResolveError(f"retrieved value does not have unambiguous string representation: {self.raw}")

    def as_conf(self, source: str = "") -> dict[str, Any]:
        """The retrieved map; ``source`` (a file path) is named with the offending line of invalid YAML."""
        if self.raw is None:
            return {}
        if not isinstance(self.raw, dict):
            hint = f": {self.hint}" if self.hint else ""
            if source and self.yaml_error is not None:
                hint = f": {_NOT_YAML}: {self.yaml_error.at(source)}"
            raise ResolveError(f"retrieved value (type={go_type(self.raw)}) cannot be used as a Conf{hint}")
        return as_conf_map(self.raw)


def from_yaml(data: bytes | str) -> Retrieved:
    """Go's NewRetrievedFromYAML: invalid YAML and YAML strings keep the text verbatim."""
    text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
    try:
        raw = load_yaml(text)
    except YamlError as exc:
        return Retrieved(text, text, f"{_NOT_YAML}: {exc}", exc)
    if isinstance(raw, str):
        return Retrieved(text, text)
    kind = go_type(raw)
    if kind in ("uint64", "map[interface {}]interface {}"):
        raise ResolveError(f"unsupported type={kind} for retrieved config, ensure that values are wrapped in quotes")
    return Retrieved(copy_tree(raw), text)


def go_clean(path: str) -> str:
    """Go's filepath.Clean on a POSIX path."""
    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


class Providers:
    """The provider set of the Go collector, with the logger the env provider warns on."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger

    def retrieve(self, scheme: str, opaque: str) -> Retrieved:
        uri = f"{scheme}:{opaque}"
        if scheme not in SCHEMES:
            raise ResolveError(f"scheme {go_quote(scheme)} is not supported for uri {go_quote(uri)}")
        if scheme == "env":
            return self._env(opaque)
        if scheme == "file":
            return self._file(uri, opaque)
        if scheme == "yaml":
            return from_yaml(opaque)
        return self._http(scheme, uri)

    def _log(self, level: int, message: str, name: str) -> None:
        if self.logger is not None:
            self.logger.log(level, message, extra={"fields": {"name": name}}, stacklevel=2)

    def _env(self, opaque: str) -> Retrieved:
        name, has_default, default = opaque.partition(":-")
        if not _ENV_NAME.fullmatch(name):
            raise ResolveError(
                f"environment variable {go_quote(name)} has invalid name: must match regex {ENV_NAME_PATTERN}"
            )
        value = os.environ.get(name)
        if value is None:
            if has_default:
                if default == "":
                    return Retrieved("")
                value = default
            else:
                self._log(logging.WARNING, "Configuration references unset environment variable", name)
                value = ""
        elif value == "":
            self._log(logging.INFO, "Configuration references empty environment variable", name)
        return from_yaml(value)

    @staticmethod
    def _file(uri: str, opaque: str) -> Retrieved:
        path = go_clean(opaque)
        try:
            with open(path, "rb") as fh:
                content = fh.read()
        except OSError as exc:
            op = "read" if isinstance(exc, IsADirectoryError) else "open"
            reason = (exc.strerror or str(exc)).lower() if exc.errno else str(exc)
            raise ResolveError(f"unable to read the file {uri}: {op} {path}: {reason}") from None
        return from_yaml(content)

    @staticmethod
    def _http(scheme: str, uri: str) -> Retrieved:
        if not uri.startswith(f"{scheme}://"):
            raise ResolveError(f"{go_quote(uri)} uri is not supported by {go_quote(scheme)} provider")
        try:
            with urllib.request.urlopen(uri, timeout=HTTP_TIMEOUT) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, b""
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            if isinstance(reason, ConnectionRefusedError):
                host = urllib.parse.urlsplit(uri).netloc
                reason = f"dial tcp {host}: connect: connection refused"
            raise ResolveError(
                f"unable to download the file via HTTP GET for uri {go_quote(uri)}: Get {go_quote(uri)}: {reason} "
            ) from None
        if status != 200:
            raise ResolveError(f"failed to load resource from uri {go_quote(uri)}. status code: {status}")
        return from_yaml(body)
