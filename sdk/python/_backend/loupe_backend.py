"""A PEP 517 / PEP 660 build backend for the Loupe SDK, on the standard library alone.

Why not setuptools: setuptools < 70.1 (what Python 3.11 venvs bundle) needs the separate ``wheel``
package to build a wheel, and Python 3.12+ venvs have no setuptools at all; without a package index
either way ``pip install ./sdk/python`` would fail. With this backend ``requires = []``, so pip needs
nothing but itself, with or without build isolation.

The metadata comes from ``[project]`` in pyproject.toml; the package is ``src/loupe``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "loupe"
SRC = os.path.join(ROOT, "src")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SDIST_ENTRIES = ("pyproject.toml", "README.md", "_backend", "src", "tests")


# ---- metadata -------------------------------------------------------------------------------


def _project() -> Dict[str, Any]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        raw = f.read()
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - older Pythons: the simple keys this file uses
        return _parse_project_fallback(raw.decode("utf-8"))
    return dict(tomllib.loads(raw.decode("utf-8"))["project"])


def _parse_project_fallback(text: str) -> Dict[str, Any]:
    match = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if not match:
        raise RuntimeError("pyproject.toml has no [project] table")
    body = match.group(1)
    project: Dict[str, Any] = {}
    for key, value in re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"\s*$', body, re.M):
        project[key] = value
    classifiers = re.search(r"^classifiers\s*=\s*\[(.*?)\]", body, re.M | re.S)
    if classifiers:
        project["classifiers"] = re.findall(r'"([^"]+)"', classifiers.group(1))
    return project


def _names() -> Tuple[str, str, str]:
    project = _project()
    name, version = str(project["name"]), str(project["version"])
    return name, version, re.sub(r"[-_.]+", "_", name).lower()


def _metadata() -> str:
    project = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
    ]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    for classifier in project.get("classifiers", []):
        lines.append(f"Classifier: {classifier}")
    for requirement in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {requirement}")
    readme_path = os.path.join(ROOT, str(project.get("readme") or "README.md"))
    readme = ""
    if os.path.exists(readme_path):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme_path, encoding="utf-8") as f:
            readme = f.read()
    return "\n".join(lines) + "\n\n" + readme


def _wheel_file(tag: str = "py3-none-any") -> str:
    return f"Wheel-Version: 1.0\nGenerator: loupe_backend\nRoot-Is-Purelib: true\nTag: {tag}\n"


# ---- wheels ---------------------------------------------------------------------------------


def _package_files() -> List[Tuple[str, str]]:
    """(archive name, path on disk) for every file of the package, in a stable order."""
    files: List[Tuple[str, str]] = []
    base = os.path.join(SRC, PACKAGE)
    for directory, subdirs, names in os.walk(base):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(directory, name)
            files.append((os.path.relpath(path, SRC).replace(os.sep, "/"), path))
    return files


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(wheel_directory: str, contents: List[Tuple[str, bytes]]) -> str:
    name, version, dist = _names()
    filename = f"{dist}-{version}-py3-none-any.whl"
    dist_info = f"{dist}-{version}.dist-info"
    entries = list(contents) + [
        (f"{dist_info}/METADATA", _metadata().encode("utf-8")),
        (f"{dist_info}/WHEEL", _wheel_file().encode("utf-8")),
        (f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode("utf-8")),
    ]
    record = "\n".join([_record_line(n, d) for n, d in entries] + [f"{dist_info}/RECORD,,"]) + "\n"
    entries.append((f"{dist_info}/RECORD", record.encode("utf-8")))
    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for entry_name, data in entries:
            info = zipfile.ZipInfo(entry_name, ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return filename


def build_wheel(
    wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None, metadata_directory: Optional[str] = None
) -> str:
    contents = []
    for archive_name, path in _package_files():
        with open(path, "rb") as f:
            contents.append((archive_name, f.read()))
    return _write_wheel(wheel_directory, contents)


def build_editable(
    wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None, metadata_directory: Optional[str] = None
) -> str:
    """PEP 660: a wheel whose .pth file puts ``src`` on sys.path (``pip install -e``)."""
    return _write_wheel(wheel_directory, [(f"__editable__.{PACKAGE}.pth", (SRC + "\n").encode("utf-8"))])


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


# ---- sdists ---------------------------------------------------------------------------------


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    name, version, dist = _names()
    prefix = f"{dist}-{version}"
    filename = f"{prefix}.tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)

    def keep(info: tarfile.TarInfo) -> Optional[tarfile.TarInfo]:
        if "__pycache__" in info.name.split("/") or info.name.endswith((".pyc", ".pyo")):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for entry in SDIST_ENTRIES:
            path = os.path.join(ROOT, entry)
            if os.path.exists(path):
                tar.add(path, arcname=f"{prefix}/{entry}", filter=keep)
        pkg_info = _metadata().encode("utf-8")
        info = tarfile.TarInfo(f"{prefix}/PKG-INFO")
        info.size = len(pkg_info)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(pkg_info))
    return filename
