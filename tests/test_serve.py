"""What `make run` does, end to end: upgrade, then serve web + in-process worker on a real port."""

import gc
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from coolpapers.app.web.app import create_app, create_app_from_env
from tests.conftest import make_settings
from tests.embedded import embedded_server


def test_serve_with_worker_answers_real_pages(tmp_path: Path) -> None:
    with embedded_server(tmp_path) as server:
        base = server.base
        assert httpx.get(f"{base}/readyz").status_code == 200
        home = httpx.get(f"{base}/")
        assert home.status_code == 200
        assert "coolpapers demo" in home.text and "Artificial Intelligence" in home.text
        assert httpx.get(f"{base}/static/css/site.css").status_code == 200
    out = server.output[0]
    assert "worker" in out and "Traceback" not in out
    assert server.proc.returncode == 0, out[-2000:]  # SIGTERM is a clean stop, not a kill


def test_the_serving_app_takes_its_start_up_objects_out_of_the_collectors_reach(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full collections over the libraries' objects paused requests for ~100 ms; the serving
    factory freezes them once started. A test run's own apps do not (they come and go)."""
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", sqlite_url)
    gc.unfreeze()
    try:
        with TestClient(create_app(make_settings(database_url=sqlite_url))) as client:
            assert client.get("/healthz").status_code == 200 and gc.get_freeze_count() == 0
        with TestClient(create_app_from_env()) as client:
            assert client.get("/healthz").status_code == 200
            assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
