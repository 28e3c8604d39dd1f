"""The builder's manifest: the distribution's name and version, and the components it holds.

The schema mirrors ocb's (Go's cmd/builder) mapped to Python: a component is named by a pip
requirement (``package``, the counterpart of ``gomod``) and the import path of its factory
(``import``); ``path`` installs it from a local directory (the counterpart of a ``replace``).
Decoding is strict like the collector's own config: unknown keys and bad entries are errors that
name the entry (``receivers[1] (otlp): has invalid keys: foo``). Relative paths are relative to the
manifest file. The full schema is documented in builder/README.md.
"""

from __future__ import annotations

import keyword
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pyotelcol.config import DecodeError, decode
from pyotelcol.confmap.yamlload import YamlError, load_yaml
from pyotelcol.factories.metadata import load as load_metadata

KINDS = ("receivers", "processors", "exporters", "extensions", "connectors")
CORE_PROJECT = "pyotelcol"
PROVIDER_SCHEMES = ("env", "file", "http", "https", "yaml")
MARKER = ".pyotelcol-build.json"
# Files and folders the builder writes into output_path; dist.name must not be one of them.
RESERVED_NAMES = frozenset({"src", "venv", "wheelhouse", "Dockerfile", ".dockerignore", "pyproject.toml", MARKER})
# Names the generated components module defines itself.
_RESERVED_ALIASES = frozenset({"annotations", "components", "PROVIDERS"})


def builtin_extras(module: str) -> tuple[str, ...]:
    """The pyotelcol extras a built-in component needs, from its metadata.yaml: dependencies only
    some components need are extras of the pyotelcol package (grpcio and the compressors are core
    dependencies), so a distribution installs only what its components need."""
    parts = module.split(".")
    if len(parts) < 3 or parts[0] != "pyotelcol":
        return ()
    try:
        return load_metadata(".".join(parts[:3])).extras
    except (ModuleNotFoundError, FileNotFoundError):
        return ()  # not a component package: check_builtins reports it


_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\]]*)\])?\s*(?P<rest>.*?)\s*$",
    re.DOTALL,
)
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# ``module[:attr]``; ``attr`` may be dotted (``acme.scrub:scrub.create_factory``, a decorated function's factory)
_IMPORT = re.compile(rf"^(?P<module>{_IDENT}(?:\.{_IDENT})*)(?::(?P<attr>{_IDENT}(?:\.{_IDENT})*))?$")
_DIST_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
# PEP 440 versions, with the separators and spellings it normalises (1.0.0-dev, v1.0, 1.0-rc.1).
_PEP440 = re.compile(
    r"^v?(\d+!)?\d+(\.\d+)*"
    r"([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?"
    r"((-\d+)|([-_.]?(post|rev|r)[-_.]?\d*))?"
    r"([-_.]?dev[-_.]?\d*)?"
    r"(\+[a-z0-9]+([-_.][a-z0-9]+)*)?$",
    re.IGNORECASE,
)


class ManifestError(ValueError):
    """The manifest cannot be built; ``str()`` is the message after ``Error: ``."""


# -- the YAML as written ------------------------------------------------------------------------


@dataclass
class DistConfig:
    name: str = ""
    description: str = "Custom pyotelcol distribution"
    version: str = "1.0.0"
    output_path: str = ""
    module: str = ""
    python: str = ""


@dataclass
class EntryConfig:
    package: str = ""
    import_: str = field(default="", metadata={"key": "import"})
    module: str = ""
    name: str = ""
    path: str = ""


@dataclass
class ProviderConfig:
    package: str = ""
    scheme: str = ""


@dataclass
class ManifestConfig:
    dist: DistConfig = field(default_factory=DistConfig)
    receivers: list[Any] = field(default_factory=list)
    processors: list[Any] = field(default_factory=list)
    exporters: list[Any] = field(default_factory=list)
    extensions: list[Any] = field(default_factory=list)
    connectors: list[Any] = field(default_factory=list)
    providers: list[Any] | None = None
    constraints: list[str] = field(default_factory=list)


# -- the resolved manifest ----------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """A pip requirement split just enough to add extras and to look the project up."""

    text: str
    name: str
    extras: tuple[str, ...]
    rest: str

    @property
    def project(self) -> str:
        return canonical(self.name)

    def with_extras(self, extras: tuple[str, ...]) -> str:
        merged = sorted(set(self.extras) | set(extras))
        spec = f"[{','.join(merged)}]" if merged else ""
        sep = " " if self.rest.startswith(("@", ";")) else ""
        return f"{self.name}{spec}{sep}{self.rest}"


@dataclass(frozen=True)
class Component:
    kind: str  # plural: "receivers"
    index: int
    requirement: Requirement
    module: str  # import path of the module holding the factory function
    attr: str  # the factory function
    alias: str  # its name in the generated components module
    path: Path | None  # a local directory to install from

    @property
    def label(self) -> str:
        return f"{self.kind}[{self.index}] ({self.alias})"

    @property
    def builtin(self) -> bool:
        return self.requirement.project == CORE_PROJECT

    @property
    def import_spec(self) -> str:
        return f"{self.module}:{self.attr}"


@dataclass
class Manifest:
    file: Path
    name: str
    description: str
    version: str
    module: str
    python: str
    output_path: Path | None  # None: the caller picks (a fresh temp dir, as ocb does)
    components: list[Component]
    providers: list[str]
    constraints: list[str]
    core_requirements: list[Requirement]  # pyotelcol as the entries name it ("pyotelcol" when none does)
    core_path: Path | None  # a pyotelcol checkout named by a built-in entry's ``path``

    def of_kind(self, kind: str) -> list[Component]:
        return [c for c in self.components if c.kind == kind]

    @property
    def core_extras(self) -> tuple[str, ...]:
        found: set[str] = set()
        for comp in self.components:
            if comp.builtin:
                found.update(builtin_extras(comp.module))
        return tuple(sorted(found))

    def dependencies(self) -> list[str]:
        """The generated package's dependencies: pyotelcol with its extras, then every other package."""
        out: list[str] = [req.with_extras(self.core_extras) for req in self.core_requirements]
        for comp in self.components:
            if not comp.builtin and comp.requirement.text not in out:
                out.append(comp.requirement.text)
        return out


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(text: str) -> Requirement | None:
    m = _REQUIREMENT.match(text)
    if m is None:
        return None
    rest = m.group("rest")
    if rest and rest[0] not in "=!<>~@;(":
        return None
    extras = tuple(e.strip() for e in (m.group("extras") or "").split(",") if e.strip())
    return Requirement(text.strip(), m.group("name"), extras, rest)


# -- loading ------------------------------------------------------------------------------------


def load(path: Path) -> Manifest:
    """Read, decode and check a manifest; every problem found is in the one ManifestError."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest: {exc.strerror or exc}: {path}") from None
    try:
        raw = load_yaml(text)
    except YamlError as exc:
        raise ManifestError(f"invalid manifest {path}: {exc}") from None
    errors: list[str] = []
    manifest = _resolve(path.resolve(), raw, errors)
    if errors or manifest is None:
        raise ManifestError(f"invalid manifest {path}: " + "\n".join(errors))
    return manifest


def _decode_errors(exc: DecodeError) -> list[str]:
    return [e[len("'' ") :] if e.startswith("'' ") else e for e in exc.errors]


def _resolve(file: Path, raw: Any, errors: list[str]) -> Manifest | None:
    if raw is None:
        raw = {}
    try:
        conf = decode(ManifestConfig, raw)
    except DecodeError as exc:
        errors.extend(_decode_errors(exc))
        try:  # go on without the invalid keys, to report the entries' problems too
            conf = decode(ManifestConfig, _known_keys(raw))
        except DecodeError:
            return None
    base = file.parent
    dist = conf.dist
    name = dist.name
    if not name:
        errors.append("'dist.name' is required: it names the distribution's launcher and package")
    elif not _DIST_NAME.match(name):
        errors.append(f"'dist.name' {name!r} must be letters, digits, '-', '_' or '.' (a package and file name)")
    elif name in RESERVED_NAMES:
        errors.append(f"'dist.name' {name!r} is a name the builder uses in output_path; choose another")
    if not _PEP440.match(dist.version):
        errors.append(
            f"'dist.version' {dist.version!r} is not a Python package version (PEP 440), e.g. 1.0.0, 1.0.0rc1, 1.0.0.dev1"
        )
    module = dist.module or re.sub(r"[^A-Za-z0-9_]+", "_", name).lower()
    if name and (not re.fullmatch(_IDENT, module) or keyword.iskeyword(module)):
        errors.append(f"'dist.module' {module!r} is not a valid Python module name")
    elif module == CORE_PROJECT:
        errors.append(f"'dist.module' must not be {CORE_PROJECT!r}")
    output_path = (base / dist.output_path).resolve() if dist.output_path else None

    components: list[Component] = []
    taken: set[str] = set()
    for kind in KINDS:
        for index, entry in enumerate(getattr(conf, kind)):
            comp = _component(kind, index, entry, base, taken, errors)
            if comp is not None:
                components.append(comp)

    seen: dict[tuple[str, str], str] = {}
    for comp in components:
        key = (comp.kind, comp.import_spec)
        if key in seen:
            errors.append(f"{comp.label}: {comp.import_spec} is listed twice (also {seen[key]})")
        seen.setdefault(key, comp.label)
        if comp.module.split(".")[0] == module:
            errors.append(f"{comp.label}: its module {comp.module} has the name of the distribution's package")

    if name and canonical(name) in {CORE_PROJECT, *(c.requirement.project for c in components)}:
        errors.append(f"'dist.name' {name!r} is the name of a package the distribution installs; choose another")

    core = [c for c in components if c.builtin]
    core_requirements: list[Requirement] = []
    for comp in core:
        if comp.requirement.text not in [r.text for r in core_requirements]:
            core_requirements.append(comp.requirement)
    if not core_requirements:
        core_requirements.append(Requirement(CORE_PROJECT, CORE_PROJECT, (), ""))
    core_paths = {c.path for c in core if c.path is not None}
    if len(core_paths) > 1:
        errors.append(
            "built-in components name different pyotelcol checkouts: " + ", ".join(sorted(str(p) for p in core_paths))
        )

    providers = _providers(conf.providers, errors)
    for i, spec in enumerate(conf.constraints):
        if parse_requirement(spec) is None:
            errors.append(f"constraints[{i}]: {spec!r} is not a pip requirement")
    if errors:
        return None
    return Manifest(
        file=file,
        name=name,
        description=dist.description,
        version=dist.version,
        module=module,
        python=dist.python,
        output_path=output_path,
        components=components,
        providers=providers,
        constraints=list(conf.constraints),
        core_requirements=core_requirements,
        core_path=next(iter(core_paths), None),
    )


def _known_keys(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    top = {f.name for f in fields(ManifestConfig)}
    out = {k: v for k, v in raw.items() if k in top}
    if isinstance(out.get("dist"), dict):
        keys = {f.name for f in fields(DistConfig)}
        out["dist"] = {k: v for k, v in out["dist"].items() if k in keys}
    return out


def _component(kind: str, index: int, raw: Any, base: Path, taken: set[str], errors: list[str]) -> Component | None:
    where = f"{kind}[{index}]"
    try:
        entry = decode(EntryConfig, raw)
    except DecodeError as exc:
        if isinstance(raw, dict):  # name the entry by what it says
            named = next((raw[k] for k in ("name", "import", "module") if isinstance(raw.get(k), str)), "")
            package = raw.get("package")
            if not named and isinstance(package, str) and (req := parse_requirement(package)):
                named = req.name
            if named:
                where = f"{where} ({_default_alias(named.split(':')[0], set())})"
        errors.extend(f"{where}: {p}" for p in _decode_errors(exc))
        return None

    problems: list[str] = []
    requirement = parse_requirement(entry.package) if entry.package else None
    if entry.import_ and entry.module and entry.import_ != entry.module:
        problems.append("'import' and 'module' are the same setting: give one")
    spec = entry.import_ or entry.module
    if not spec and requirement is not None and requirement.project != CORE_PROJECT:
        spec = re.sub(r"[-.]+", "_", requirement.name).lower()  # acme-otel-redactor -> acme_otel_redactor
    match = _IMPORT.match(spec) if spec else None
    module = match.group("module") if match else ""
    attr = (match.group("attr") if match else None) or "create_factory"

    alias = entry.name
    if alias:
        if not re.fullmatch(_IDENT, alias) or keyword.iskeyword(alias) or alias.startswith("_"):
            problems.append(f"'name' {alias!r} must be a Python identifier not starting with '_'")
        elif alias in _RESERVED_ALIASES or alias in taken:
            problems.append(f"'name' {alias!r} is already used in the generated components module")
    else:
        named = requirement.name if requirement else re.split(r"[^A-Za-z0-9._-]", entry.package)[0]
        alias = _default_alias(module or named, taken)
    taken.add(alias)
    where = f"{where} ({alias})" if alias else where

    if not entry.package:
        problems.append("missing package specification for module")
    elif requirement is None:
        problems.append(f"'package' {entry.package!r} is not a pip requirement (e.g. acme-otel-redactor==1.2)")
    if spec and match is None:
        problems.append(
            f"'import' {spec!r} is not a module path (e.g. acme_otel.redactor or acme_otel.redactor:factory)"
        )
    elif not spec and requirement is not None:
        problems.append("missing import: name the built-in's module, e.g. pyotelcol.receivers.otlp")
    path: Path | None = None
    if entry.path:
        path = (base / entry.path).resolve()
        if not path.is_dir():
            problems.append(f"path {str(path)!r} does not exist")
        elif not (path / "pyproject.toml").is_file() and not (path / "setup.py").is_file():
            problems.append(f"path {str(path)!r} holds no pyproject.toml or setup.py to install")
        elif requirement is not None:
            project = _project_name(path)
            if project and canonical(project) != requirement.project:
                problems.append(f"path {str(path)!r} holds the package {project!r}, not {requirement.name!r}")
    if problems:
        errors.extend(f"{where}: {p}" for p in problems)
        return None
    assert requirement is not None
    return Component(kind, index, requirement, module, attr, alias, path)


def _project_name(path: Path) -> str:
    try:
        project = tomllib.loads((path / "pyproject.toml").read_text()).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) else ""


def _default_alias(module: str, taken: set[str]) -> str:
    last = re.sub(r"\W", "_", module.rsplit(".", 1)[-1]).lstrip("_") or "component"
    if last[0].isdigit() or keyword.iskeyword(last):
        last = f"c_{last}"
    alias, n = last, 1
    while alias in taken or alias in _RESERVED_ALIASES:
        n += 1
        alias = f"{last}{n}"
    return alias


def _providers(raw: list[Any] | None, errors: list[str]) -> list[str]:
    if raw is None:
        return list(PROVIDER_SCHEMES)
    schemes: list[str] = []
    for index, item in enumerate(raw):
        where = f"providers[{index}]"
        try:
            entry = decode(ProviderConfig, item)
        except DecodeError as exc:
            errors.extend(f"{where}: {p}" for p in _decode_errors(exc))
            continue
        where = f"{where} ({entry.scheme})" if entry.scheme else where
        req = parse_requirement(entry.package) if entry.package else None
        if not entry.package:
            errors.append(f"{where}: missing package specification for module")
        elif req is None or req.project != CORE_PROJECT:
            errors.append(f"{where}: only pyotelcol's built-in providers ({', '.join(PROVIDER_SCHEMES)}) are supported")
        elif entry.scheme not in PROVIDER_SCHEMES:
            errors.append(f"{where}: unknown scheme {entry.scheme!r}: pyotelcol provides {', '.join(PROVIDER_SCHEMES)}")
        elif entry.scheme in schemes:
            errors.append(f"{where}: listed twice")
        else:
            schemes.append(entry.scheme)
    return schemes
