"""The `coolpapers` command: every command has --help, and start-up failures are one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from coolpapers.cli.main import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        out.append(path)
        if isinstance(cmd, click.Group):
            out.extend(all_commands(cmd, path))
    return out


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "coolpapers.cli.main", *args], capture_output=True, text=True, env=full_env,
        cwd=cwd, timeout=60,
    )  # fmt: skip


def test_expected_commands_exist() -> None:
    names = {" ".join(p) for p in all_commands(main)}
    assert {"serve", "worker", "db", "db upgrade", "demo"} <= names


@pytest.mark.parametrize("path", all_commands(main), ids=lambda p: " ".join(p))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_unreachable_database_is_one_clear_line() -> None:
    url = "postgresql://reader:s3cret@127.0.0.1:1/coolpapers"
    for command in (["serve"], ["worker"], ["db", "upgrade"], ["demo"]):
        result = run_cli(*command, env={"COOLPAPERS_DATABASE_URL": url})
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
        assert "postgresql+psycopg://reader:***@127.0.0.1:1/coolpapers" in lines[0]


def test_invalid_setting_stops_start_up_naming_the_variable() -> None:
    result = run_cli("serve", env={"COOLPAPERS_PORT": "not-a-port"})
    assert result.returncode == 2
    assert "COOLPAPERS_PORT" in result.stderr and "Traceback" not in result.stderr


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    result = run_cli("serve", env={"COOLPAPERS_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    assert result.returncode == 1
    assert "coolpapers db upgrade" in result.stderr


def test_upgrade_then_demo_is_idempotent(tmp_path: Path) -> None:
    env = {"COOLPAPERS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run_cli("db", "upgrade", env=env).returncode == 0
    first = run_cli("demo", env=env)
    assert first.returncode == 0 and "papers added" in first.stdout
    second = run_cli("demo", env=env)
    assert second.returncode == 0 and "0 papers added" in second.stdout


def test_the_data_commands_import_without_the_group() -> None:
    """cli/tasks.py defines commands and cli/main.py adds them: no import cycle between the two."""
    check = "import sys, coolpapers.cli.tasks; assert 'coolpapers.cli.main' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("entry", ["module", "script"])
def test_both_entry_points_offer_every_command(entry: str) -> None:
    if entry == "module":
        result = run_cli("--help")
    else:
        script = Path(sys.executable).with_name("coolpapers")
        result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    every = {"serve", "worker", "db", "demo", "faq", "fetch", "import", "search"}
    assert listed == set(main.commands) == every
