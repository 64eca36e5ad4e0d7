"""FAQ test fixtures: the fake LLM provider and PDF host on real sockets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_llm.pdf import FakePdfHost
from tests.fake_llm.server import FakeLlm, ServerThread


@pytest.fixture
def fake_llm() -> Iterator[tuple[FakeLlm, str]]:
    llm = FakeLlm(hang_s=5)
    with ServerThread(llm.app()) as server:
        yield llm, f"{server.url}/v1"


@pytest.fixture
def fake_pdf() -> Iterator[tuple[FakePdfHost, str]]:
    host = FakePdfHost()
    with ServerThread(host.app()) as server:
        yield host, f"{server.url}/pdf"
