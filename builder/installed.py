"""The pyotelcol this builder runs from, as a wheel: for builds from a regular (non-editable) install.

A regular install has no checkout to build from, and the package index may not hold this version
(a checkout installed with ``pip install .``) or may hold a different build of it. The installed
files are what runs, so the builder packs them into a wheel again: the files its RECORD lists
below site-packages (not the console scripts, which pip writes again from entry_points.txt, nor
byte code or the installer's own records), with a fresh RECORD.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from importlib import metadata
from pathlib import Path

from .install import BuildError

# dist-info files the installer wrote; a wheel does not carry them (RECORD is written anew).
_INSTALLER_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "RECORD.jws", "RECORD.p7s"})


def running_distribution() -> metadata.Distribution:
    """The installed distribution whose files this builder's pyotelcol was imported from."""
    import pyotelcol

    try:
        dist = metadata.distribution("pyotelcol")
    except metadata.PackageNotFoundError:
        raise BuildError(
            "pyotelcol is not installed as a package: build from a checkout with --pyotelcol-path"
        ) from None
    init = Path(str(dist.locate_file("pyotelcol/__init__.py")))
    if not init.is_file() or init.resolve() != Path(pyotelcol.__file__).resolve():
        raise BuildError(
            f"the installed pyotelcol {dist.version} is not the one running ({pyotelcol.__file__}): "
            "build from a checkout with --pyotelcol-path"
        )
    return dist


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def pack_wheel(dist: metadata.Distribution, dest: Path) -> Path:
    """Write ``dist``'s installed files as a wheel into ``dest``; returns the wheel's path."""
    files = dist.files
    if not files:
        raise BuildError(f"the installed pyotelcol {dist.version} lists no files (no RECORD): reinstall it")
    info_dirs = {f.parts[0] for f in files if len(f.parts) == 2 and f.parts[0].endswith(".dist-info")}
    if len(info_dirs) != 1:
        raise BuildError(f"the installed pyotelcol {dist.version} has no single .dist-info folder: reinstall it")
    info = info_dirs.pop()
    wheel_meta = Path(str(dist.locate_file(f"{info}/WHEEL")))
    if not wheel_meta.is_file():
        raise BuildError(f"the installed pyotelcol {dist.version} has no {info}/WHEEL: reinstall it")
    tags = re.findall(r"^Tag: (\S+)$", wheel_meta.read_text(), re.MULTILINE)
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    tag = tags[0] if len(tags) == 1 else "py3-none-any"  # pyotelcol is pure Python
    wheel = dest / f"{name}-{dist.version}-{tag}.whl"

    record: list[str] = []
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for packed in sorted(files, key=str):
            parts = packed.parts
            if parts[0] == ".." or "__pycache__" in parts or packed.suffix == ".pyc":
                continue  # scripts outside site-packages, byte code
            if parts[0] == info and len(parts) == 2 and parts[1] in _INSTALLER_FILES:
                continue
            source = Path(str(dist.locate_file(packed)))
            try:
                data = source.read_bytes()
            except OSError as exc:
                raise BuildError(f"the installed pyotelcol {dist.version} is incomplete: {exc}") from None
            arcname = packed.as_posix()
            archive.writestr(arcname, data)
            record.append(f"{arcname},{_record_hash(data)},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel
