"""Whose address a request is: X-Forwarded-For counts only from COOLPAPERS_TRUSTED_PROXIES
(default: nobody), so a client cannot pick its own rate-limit bucket. Real `coolpapers serve`
processes, the per-client lookup allowance as the witness."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from coolpapers.app.settings import Settings
from tests.embedded import embedded_server

ONE_LOOKUP = {"LOOKUP_RATE_LIMIT_PER_HOUR": "1"}


def statuses(base: str) -> list[int]:
    """Two new papers asked for, each under a different forwarded address."""
    asked = [(f"{base}/api/papers/2404.3000{n}", {"X-Forwarded-For": f"203.0.113.{n}"}) for n in (1, 2)]
    return [httpx.get(url, headers=headers).status_code for url, headers in asked]


def test_forwarded_addresses_are_ignored_by_default(tmp_path: Path) -> None:
    with embedded_server(tmp_path, settings=ONE_LOOKUP) as server:
        assert statuses(server.base) == [202, 429]  # one client, one allowance, whatever it claims


def test_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    with embedded_server(tmp_path, settings={**ONE_LOOKUP, "TRUSTED_PROXIES": "127.0.0.1"}) as server:
        assert statuses(server.base) == [202, 202]  # two readers behind the proxy


@pytest.mark.parametrize("bad", ["proxy.local", "10.0.0.300", "10.0.0.0/33"])
def test_a_trusted_proxy_must_be_an_address_or_network(bad: str) -> None:
    with pytest.raises(ValueError, match="is not an IP address or network"):
        Settings(_env_file=None, trusted_proxies=bad)


def test_networks_and_lists_are_read() -> None:
    s = Settings(_env_file=None, trusted_proxies="10.0.0.5, 172.16.0.0/12")
    assert s.trusted_proxies == ["10.0.0.5", "172.16.0.0/12"]
    assert s.forwarded_allow_ips == "10.0.0.5,172.16.0.0/12"
