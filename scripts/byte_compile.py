"""Byte-compile the project's own modules, as a regular (not editable) install does.

A CLI search then starts sooner (docs/performance.md), also where PYTHONDONTWRITEBYTECODE keeps
Python from caching what it compiles. The modules are the packages and modules ``pyproject.toml``
installs, so a new one is compiled without being named here. Run by ``scripts/setup.sh`` after
installing, and by the bench before it times CLI cold starts.
"""

from __future__ import annotations

import compileall
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def byte_compile(root: Path = ROOT) -> bool:
    """Compile every package and module the project installs; False if one failed to compile."""
    setuptools = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    packages = [
        compileall.compile_dir(root / name.replace(".", "/"), quiet=1)
        for name in setuptools["packages"]
    ]
    modules = [
        compileall.compile_file(root / f"{name}.py", quiet=1)
        for name in setuptools.get("py-modules", [])
    ]
    return all(packages + modules)


if __name__ == "__main__":
    sys.exit(0 if byte_compile() else 1)
