"""The detectors Go's processor knows, read from ``detectors.yaml``, and their config sections.

Every detector of Go's catalog is accepted in ``detectors`` and has its config section (``ec2:``,
``system:``, ...) with Go's keys and its ``resource_attributes.<name>.enabled`` toggles, so that a
config written for the Go collector validates here whether or not pyotelcol implements that
detector. The section classes are built from the data file: a key the section does not have is
an error, as in Go.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

_TYPES: dict[str, Any] = {
    "str": str,
    "bool": bool,
    "int": int,
    "float": float,
    "duration": timedelta,
    "list": list[str],
    "any": Any,
}
# String keys that hold secrets (configopaque.String in Go): masked by print-config.
_OPAQUE_KEYS = {"token"}
# Defaults that are not the zero value (Go's CreateDefaultConfig of the detector).
_DEFAULTS: dict[tuple[str, str], Any] = {
    ("ec2", "max_attempts"): 3,
    ("ec2", "max_backoff"): timedelta(seconds=20),
    ("k8s_api", "auth_type"): "serviceAccount",
    ("k8snode", "auth_type"): "serviceAccount",
    ("eks", "auth_type"): "serviceAccount",
    ("kubeadm", "auth_type"): "serviceAccount",
}


@dataclass
class AttributeToggle:
    """``resource_attributes.<name>``: whether the detector emits that attribute."""

    enabled: bool = False


@dataclass
class EnvAttributes:
    """``env.attributes``: wildcard filters over the keys of ``OTEL_RESOURCE_ATTRIBUTES``."""

    included: list[str] | None = None
    excluded: list[str] | None = None


@dataclass(frozen=True)
class DetectorInfo:
    """One detector of Go's catalog."""

    type: str
    #: its config section key (``elastic_beanstalk`` reads ``elasticbeanstalk``), or None (dynatrace)
    section: str | None
    keys: dict[str, str]
    #: attribute name -> enabled by default
    resource_attributes: dict[str, bool]


@cache
def catalog() -> dict[str, DetectorInfo]:
    text = resources.files(__package__).joinpath("detectors.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {
        name: DetectorInfo(name, entry["section"], dict(entry["keys"]), dict(entry["resource_attributes"]))
        for name, entry in raw.items()
    }


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _default_for(kind: str) -> Any:
    if kind == "list":
        return field(default_factory=list)
    if kind == "any":
        return field(default=None)
    return field(default=_TYPES[kind]())


def _toggle_factory(enabled: bool) -> Callable[[], AttributeToggle]:
    return lambda: AttributeToggle(enabled)


def _attributes_class(info: DetectorInfo) -> type[Any]:
    fields: list[tuple[str, Any, Any]] = []
    for name, enabled in info.resource_attributes.items():
        fields.append(
            (
                _identifier(name),
                AttributeToggle,
                field(default_factory=_toggle_factory(enabled), metadata={"key": name}),
            )
        )
    if info.type == "system":
        # Go still reads the deprecated spelling os.build.id (off by default, warns when on).
        fields.append(
            (
                "os_build_id_deprecated",
                AttributeToggle,
                field(default_factory=AttributeToggle, metadata={"key": "os.build.id"}),
            )
        )
    return dataclasses.make_dataclass(f"{_identifier(info.type).title()}ResourceAttributes", fields)


def _section_class(info: DetectorInfo) -> type[Any]:
    fields: list[tuple[str, Any, Any]] = []
    for key, kind in info.keys.items():
        if info.type == "env" and key == "attributes":
            fields.append((key, EnvAttributes, field(default_factory=EnvAttributes)))
            continue
        tp = _TYPES[kind]
        spec = _default_for(kind)
        if (info.type, key) in _DEFAULTS:
            spec = field(default=_DEFAULTS[(info.type, key)])
        elif key in _OPAQUE_KEYS and kind == "str":
            spec = field(default="", metadata={"opaque": True})
        fields.append((key, tp, spec))
    attrs = _attributes_class(info)
    fields.append(("resource_attributes", attrs, field(default_factory=attrs)))
    namespace = {"validate": _VALIDATORS[info.type]} if info.type in _VALIDATORS else {}
    return dataclasses.make_dataclass(f"{_identifier(info.type).title()}Config", fields, namespace=namespace)


# -- section checks (Go's per-detector Validate, and the patterns Go compiles when it creates them) --

HOSTNAME_SOURCES = ("os", "dns", "cname", "lookup")


def _validate_system(section: Any) -> None:
    for source in section.hostname_sources:
        if source not in HOSTNAME_SOURCES:
            raise ValueError(f'hostname_sources contains invalid value: "{source}"')


def _validate_env(section: Any) -> None:
    errors = []
    if section.attributes.included is not None and not section.attributes.included:
        errors.append("attributes.included must contain at least one entry when set")
    if section.attributes.excluded is not None and not section.attributes.excluded:
        errors.append("attributes.excluded must contain at least one entry when set")
    if errors:
        raise ValueError("\n".join(errors))


def _patterns_validator(key: str) -> Callable[[Any], None]:
    def check(section: Any) -> None:
        for pattern in getattr(section, key):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{key}: invalid regular expression {pattern!r}: {exc}") from None

    return check


def _validate_auth_type(section: Any) -> None:
    if section.auth_type not in ("none", "serviceAccount", "kubeConfig", "tls"):
        raise ValueError(f"invalid authType for kubernetes: {section.auth_type}")


_VALIDATORS: dict[str, Callable[[Any], None]] = {
    "k8s_api": _validate_auth_type,
    "k8snode": _validate_auth_type,
    "eks": _validate_auth_type,
    "kubeadm": _validate_auth_type,
    "system": _validate_system,
    "env": _validate_env,
    "ec2": _patterns_validator("tags"),
    "azure": _patterns_validator("tags"),
    "gcp": _patterns_validator("labels"),
}


@cache
def section_classes() -> dict[str, type[Any]]:
    """Config section key -> its dataclass, for every detector that has a section."""
    out: dict[str, type[Any]] = {}
    for info in catalog().values():
        if info.section is not None and info.section not in out:
            out[info.section] = _section_class(info)
    return out


def enabled_attributes(section: Any) -> dict[str, bool]:
    """``resource_attributes`` of a decoded section as attribute name -> enabled."""
    ra = section.resource_attributes
    return {str(f.metadata.get("key", f.name)): getattr(ra, f.name).enabled for f in dataclasses.fields(ra)}
