"""docker-compose.yml is valid against the Compose spec and only runs real CLI commands."""

import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from coolpapers.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def services() -> dict[str, dict[str, object]]:
    data = yaml.safe_load(COMPOSE.read_text())
    return dict(data["services"])


def test_compose_file_validates_against_the_spec() -> None:
    exe = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    result = subprocess.run(
        [exe, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_expected_services_and_health_ordering() -> None:
    svc = services()
    assert set(svc) == {"postgres", "redis", "migrate", "web", "worker"}
    assert svc["postgres"]["image"] == "postgres:16" and str(svc["redis"]["image"]).startswith("redis:7")
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in svc[name], name
    for name in ("web", "worker"):
        assert svc[name].get("init") is True, f"{name}: SIGTERM must reach coolpapers, which is not PID 1"
    for name in ("web", "worker"):
        deps = svc[name]["depends_on"]
        assert isinstance(deps, dict)
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["migrate"]["condition"] == "service_completed_successfully"


def _resolve(argv: list[str]) -> None:
    """Parse argv exactly as the CLI would, without running it (UsageError if it is not a real command)."""
    cmd: click.Command = main
    args = list(argv)
    name = "coolpapers"
    while isinstance(cmd, click.Group):
        assert args, f"{argv}: a command group needs a subcommand"
        name = args.pop(0)
        assert name in cmd.commands, f"{argv}: no command {name!r}"
        cmd = cmd.commands[name]
    cmd.make_context(name, args)


@pytest.mark.parametrize("service", ["migrate", "web", "worker"])
def test_service_commands_are_real_cli_commands(service: str) -> None:
    command = services()[service]["command"]
    assert isinstance(command, list) and command[0] == "coolpapers"
    _resolve([str(c) for c in command[1:]])


def test_dockerfile_default_command_is_real() -> None:
    cmd_line = next(ln for ln in (ROOT / "Dockerfile").read_text().splitlines() if ln.startswith("CMD"))
    argv = yaml.safe_load(cmd_line.removeprefix("CMD").strip())
    assert argv[0] == "coolpapers"
    _resolve(argv[1:])


def test_resolver_rejects_made_up_commands() -> None:
    with pytest.raises((AssertionError, click.UsageError)):
        _resolve(["serve", "--no-such-flag"])
    with pytest.raises(AssertionError):
        _resolve(["frobnicate"])
