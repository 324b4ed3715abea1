"""The in-tree build backend makes a valid wheel and sdist with nothing but the standard library."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import tarfile
import tempfile
import unittest
import zipfile

import _support

import loupe

ROOT = os.path.dirname(_support.SRC)


def load_backend():
    spec = importlib.util.spec_from_file_location("loupe_backend", os.path.join(ROOT, "_backend", "loupe_backend.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BackendTest(unittest.TestCase):
    def setUp(self) -> None:
        self.backend = load_backend()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_needs_nothing_to_build(self) -> None:
        self.assertEqual(self.backend.get_requires_for_build_wheel(), [])
        self.assertEqual(self.backend.get_requires_for_build_sdist(), [])

    def test_version_is_single(self) -> None:
        _, version, _ = self.backend._names()
        self.assertEqual(version, loupe.__version__)

    def test_wheel(self) -> None:
        name = self.backend.build_wheel(self.tmp.name)
        self.assertEqual(name, f"loupe-{loupe.__version__}-py3-none-any.whl")
        with zipfile.ZipFile(os.path.join(self.tmp.name, name)) as zf:
            names = zf.namelist()
            self.assertIn("loupe/py.typed", names)
            self.assertIn("loupe/__init__.py", names)
            self.assertFalse([n for n in names if "__pycache__" in n or n.endswith(".pyc")])
            dist_info = f"loupe-{loupe.__version__}.dist-info"
            metadata = zf.read(f"{dist_info}/METADATA").decode()
            self.assertIn("Name: loupe", metadata)
            self.assertIn("Classifier: Typing :: Typed", metadata)
            self.assertNotIn("Requires-Dist", metadata)  # standard library only
            for line in zf.read(f"{dist_info}/RECORD").decode().splitlines():
                path, digest, size = line.split(",")
                if path.endswith("RECORD"):
                    continue
                data = zf.read(path)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                self.assertEqual((digest, int(size)), (f"sha256={expected}", len(data)), path)

    def test_editable_wheel_points_at_src(self) -> None:
        name = self.backend.build_editable(self.tmp.name)
        with zipfile.ZipFile(os.path.join(self.tmp.name, name)) as zf:
            self.assertEqual(zf.read("__editable__.loupe.pth").decode().strip(), _support.SRC)

    def test_sdist(self) -> None:
        name = self.backend.build_sdist(self.tmp.name)
        with tarfile.open(os.path.join(self.tmp.name, name)) as tar:
            names = tar.getnames()
        prefix = f"loupe-{loupe.__version__}/"
        for required in (
            "pyproject.toml",
            "PKG-INFO",
            "README.md",
            "_backend/loupe_backend.py",
            "src/loupe/py.typed",
            "tests/test_signing.py",
        ):
            self.assertIn(prefix + required, names)

    def test_fallback_pyproject_parser(self) -> None:
        with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
            parsed = self.backend._parse_project_fallback(f.read())
        self.assertEqual(parsed["name"], "loupe")
        self.assertEqual(parsed["version"], loupe.__version__)
        self.assertIn("Typing :: Typed", parsed["classifiers"])


if __name__ == "__main__":
    unittest.main()
