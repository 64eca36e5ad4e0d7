"""The lock files say what pyproject.toml says: a dependency added, raised or dropped without
`make lock` fails here instead of installing something else than what was asked for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
DIRECT = "coolpapers (pyproject.toml)"  # how the lock annotates what pyproject.toml asks for by name


def _pins(lock: str) -> tuple[dict[str, str], set[str]]:
    """Each pinned name → version, and the names the lock took straight from pyproject.toml."""
    pins: dict[str, str] = {}
    direct: set[str] = set()
    current = ""
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            pins[current] = match[2]
        elif line.strip().lstrip("#").strip() in (DIRECT, f"via {DIRECT}"):
            direct.add(current)
    return pins, direct


def _asked(groups: list[list[str]]) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in (Requirement(line) for group in groups for line in group)}


def _check(lock: str, asked: dict[str, Requirement]) -> None:
    pins, direct = _pins(lock)
    for name, requirement in asked.items():
        assert name in pins, f"{name} is in pyproject.toml but not in requirements/{lock}: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pins[name]}, pyproject.toml asks {requirement}: run make lock"
        )
    stale = direct - set(asked)
    assert not stale, f"requirements/{lock} still pins {sorted(stale)} for pyproject.toml: run make lock"


def test_runtime_lock_matches_the_runtime_dependencies() -> None:
    _check("runtime.txt", _asked([PYPROJECT["dependencies"]]))


def test_dev_lock_matches_runtime_and_dev_dependencies() -> None:
    _check("dev.txt", _asked([PYPROJECT["dependencies"], PYPROJECT["optional-dependencies"]["dev"]]))


def test_runtime_lock_is_the_dev_lock_without_the_tools() -> None:
    """Tests run against the versions the image installs."""
    runtime, _ = _pins("runtime.txt")
    dev, _ = _pins("dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_each_direct_dependency_is_listed_once() -> None:
    runtime = [canonicalize_name(Requirement(r).name) for r in PYPROJECT["dependencies"]]
    dev = [canonicalize_name(Requirement(r).name) for r in PYPROJECT["optional-dependencies"]["dev"]]
    assert len(set(runtime + dev)) == len(runtime) + len(dev)
