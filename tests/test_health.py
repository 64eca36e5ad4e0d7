from fastapi.testclient import TestClient

from coolpapers.app.web.app import create_app
from tests.conftest import make_settings


def test_healthz_and_readyz_embedded(sqlite_url: str) -> None:
    with TestClient(create_app(make_settings(database_url=sqlite_url))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_checks_redis_when_configured(pg_url: str, redis_url: str) -> None:
    with TestClient(create_app(make_settings(database_url=pg_url, redis_url=redis_url))) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_names_the_failing_part(sqlite_url: str) -> None:
    settings = make_settings(database_url=sqlite_url, redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["database"] == "ok"
        assert "redis" in body["checks"]["redis"]
        assert ":1" not in ready.text and "Connection refused" not in ready.text  # details: the log


def test_readyz_reports_database_down_with_masked_password() -> None:
    settings = make_settings(database_url="postgresql://user:hunter2@127.0.0.1:1/nowhere")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "cannot connect to database" in ready.json()["checks"]["database"]
        assert "hunter2" not in ready.text


def test_unknown_routes_give_html_or_json_errors(sqlite_url: str) -> None:
    with TestClient(create_app(make_settings(database_url=sqlite_url))) as client:
        page = client.get("/no/such/page")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        api = client.get("/api/no/such/thing")
        assert api.status_code == 404
        assert api.json() == {"error": {"code": "not_found", "message": "Not Found"}}
