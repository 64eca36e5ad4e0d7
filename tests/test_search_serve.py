"""`make run` shape, end to end: papers stored while `serve --with-worker` runs are searchable in < 10 s."""

import time
from pathlib import Path

import httpx

from tests.embedded import embedded_server


def test_stored_papers_become_searchable_within_ten_seconds(tmp_path: Path) -> None:
    def index_ready(base: str) -> bool:  # up, and the indexer has created the (empty) index
        return httpx.get(f"{base}/api/search", params={"q": "graph"}, timeout=1).status_code == 200

    with embedded_server(tmp_path, ready=index_ready) as server:
        base = server.base
        assert httpx.get(f"{base}/api/search", params={"q": "2606.06625"}).json()["papers"] == []
        server.cli("demo")
        stored = time.monotonic()
        while not httpx.get(f"{base}/api/search", params={"q": "2606.06625"}).json()["papers"]:
            assert time.monotonic() - stored < 10, "stored papers not searchable within 10 s"
            time.sleep(0.1)
        page = httpx.get(f"{base}/arxiv/search", params={"query": "Nash equilibria", "highlight": "1"})
        assert page.status_code == 200 and 'data-id="2606.06625"' in page.text
    assert "Traceback" not in server.output[0]
