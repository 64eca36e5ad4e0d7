"""What `make run` does, end to end: upgrade, then serve web + in-process worker on a real port."""

from pathlib import Path

import httpx

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
