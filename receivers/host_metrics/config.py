"""Configuration of the ``host_metrics`` receiver (Go's hostmetricsreceiver ``Config``).

The scraper controller's keys sit at the top level (``collection_interval`` 1m, ``initial_delay``
1s, ``timeout``), next to ``root_path``, ``metadata_collection_interval`` and ``scrapers``: a map
from scraper name to that scraper's config (``cpu:`` with no value takes the defaults). Each
scraper config is strict: its own keys plus ``metrics`` (and, for ``process``,
``resource_attributes``), generated from the scraper's metadata as Go's mdatagen does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pyotelcol.config.decode import DecodeError, decode
from pyotelcol.helpers.scraperhelper import ControllerConfig

from . import mdata
from .filterset import (
    DevicesMatch,
    FSTypesMatch,
    InterfacesMatch,
    MatchConfig,
    MountPointsMatch,
    NamesMatch,
    match_error,
)
from .hostfs import validate_root_path

__all__ = ["SCRAPERS", "Config", "parse_scrapers"]


@dataclass
class NoOptions:
    """Scrapers whose only keys are ``metrics`` (cpu, memory, paging, processes, system)."""


@dataclass
class DiskOptions:
    include: DevicesMatch = field(default_factory=DevicesMatch)
    exclude: DevicesMatch = field(default_factory=DevicesMatch)

    def filter_errors(self) -> list[str]:
        return _filter_errors(
            ("device include", self.include.devices, self.include),
            ("device exclude", self.exclude.devices, self.exclude),
        )


@dataclass
class FilesystemOptions:
    include_virtual_filesystems: bool = False
    include_devices: DevicesMatch = field(default_factory=DevicesMatch)
    exclude_devices: DevicesMatch = field(default_factory=DevicesMatch)
    include_fs_types: FSTypesMatch = field(default_factory=FSTypesMatch)
    exclude_fs_types: FSTypesMatch = field(default_factory=FSTypesMatch)
    include_mount_points: MountPointsMatch = field(default_factory=MountPointsMatch)
    exclude_mount_points: MountPointsMatch = field(default_factory=MountPointsMatch)

    def filter_errors(self) -> list[str]:
        return _filter_errors(
            ("include_devices", self.include_devices.devices, self.include_devices),
            ("exclude_devices", self.exclude_devices.devices, self.exclude_devices),
            ("include_fs_types", self.include_fs_types.fs_types, self.include_fs_types),
            ("exclude_fs_types", self.exclude_fs_types.fs_types, self.exclude_fs_types),
            ("include_mount_points", self.include_mount_points.mount_points, self.include_mount_points),
            ("exclude_mount_points", self.exclude_mount_points.mount_points, self.exclude_mount_points),
        )


@dataclass
class LoadOptions:
    # divide the load averages by the number of logical CPUs
    cpu_average: bool = False


@dataclass
class NetworkOptions:
    include: InterfacesMatch = field(default_factory=InterfacesMatch)
    exclude: InterfacesMatch = field(default_factory=InterfacesMatch)

    def filter_errors(self) -> list[str]:
        return _filter_errors(
            ("network interface include", self.include.interfaces, self.include),
            ("network interface exclude", self.exclude.interfaces, self.exclude),
        )


@dataclass
class ProcessOptions:
    include: NamesMatch = field(default_factory=NamesMatch)
    exclude: NamesMatch = field(default_factory=NamesMatch)
    mute_process_all_errors: bool = False
    mute_process_name_error: bool = False
    mute_process_exe_error: bool = False
    mute_process_io_error: bool = False
    mute_process_user_error: bool = False
    mute_process_cgroup_error: bool = False
    # skip processes younger than this
    scrape_process_delay: timedelta = timedelta(0)

    def filter_errors(self) -> list[str]:
        return _filter_errors(
            ("process include", self.include.names, self.include),
            ("process exclude", self.exclude.names, self.exclude),
        )


def _filter_errors(*filters: tuple[str, list[str], MatchConfig]) -> list[str]:
    """Go's messages: "error creating include_devices filter: ..." for a filesystem key,
    "error creating process include filters: ..." for the other scrapers."""
    errors = []
    for what, items, cfg in filters:
        error = match_error(items, cfg) if items else None
        if error:
            noun = "filter" if "_" in what else "filters"
            errors.append(f"error creating {what} {noun}: {error}")
    return errors


#: scraper name → its own options (Go's scraper factories, in Go's order)
SCRAPERS: dict[str, type[Any]] = {
    "cpu": NoOptions,
    "disk": DiskOptions,
    "filesystem": FilesystemOptions,
    "load": LoadOptions,
    "memory": NoOptions,
    "network": NetworkOptions,
    "paging": NoOptions,
    "processes": NoOptions,
    "process": ProcessOptions,
    "system": NoOptions,
}
# Go has an nfs scraper too; it is not implemented here.
_NOT_SUPPORTED = {"nfs"}


def scraper_config_class(name: str) -> type[Any]:
    spec = mdata.load_spec(name)
    return _config_class(name, spec)


_classes: dict[str, type[Any]] = {}


def _config_class(name: str, spec: mdata.ScraperSpec) -> type[Any]:
    if name not in _classes:
        metrics_cls = mdata.metrics_config_class(spec)
        fields: list[tuple[str, type[Any], Any]] = [("metrics", metrics_cls, field(default_factory=metrics_cls))]
        if spec.resource_attributes:
            res_cls = mdata.resource_attributes_config_class(spec)
            fields.append(("resource_attributes", res_cls, field(default_factory=res_cls)))
        _classes[name] = dataclasses.make_dataclass(f"{name.title()}ScraperConfig", fields, bases=(SCRAPERS[name],))
    return _classes[name]


def parse_scrapers(raw: Any) -> dict[str, Any]:
    """Decode the ``scrapers`` map; a ValueError lists every problem with Go's wording."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"'scrapers' expected a map, got '{type(raw).__name__}'")
    out: dict[str, Any] = {}
    errors: list[str] = []
    for key, body in raw.items():
        name = str(key)
        if name in _NOT_SUPPORTED:
            errors.append(f"invalid scraper key: {name} (the {name} scraper is not supported by pyotelcol)")
            continue
        if name not in SCRAPERS:
            errors.append(f"invalid scraper key: {name}")
            continue
        spec = mdata.load_spec(name)
        try:
            cfg = decode(scraper_config_class(name), body)
        except DecodeError as exc:
            errors.extend(f'error reading settings for scraper type "{name}": {e}' for e in exc.errors)
            continue
        problems = mdata.check_metrics_config(spec, cfg.metrics)
        if spec.resource_attributes:
            problems += mdata.check_resource_attributes_config(cfg.resource_attributes)
        check = getattr(cfg, "filter_errors", None)
        if callable(check):
            problems += check()
        errors.extend(f"{name}: {p}" for p in problems)
        out[name] = cfg
    if errors:
        raise ValueError("\n".join(errors))
    return out


@dataclass
class Config(ControllerConfig):
    # the host's root directory, when the collector runs in a container with the host's / mounted
    root_path: str = ""
    # for the (development) logs signal's host entity events, which pyotelcol does not emit
    metadata_collection_interval: timedelta = timedelta(minutes=5)
    scrapers: Any = None

    def validate(self) -> None:
        errors = []
        try:
            super().validate()
        except ValueError as exc:
            errors.append(str(exc))
        if not isinstance(self.scrapers, dict) or not self.scrapers:
            errors.append("must specify at least one scraper when using host_metrics receiver")
        if self.metadata_collection_interval < timedelta(0):
            errors.append("metadata_collection_interval must not be negative")
        root_error = validate_root_path(self.root_path)
        if root_error:
            errors.append(root_error)
        try:
            parse_scrapers(self.scrapers)
        except ValueError as exc:
            errors.append(str(exc))
        if errors:
            raise ValueError("\n".join(errors))
