"""Reference-manager exports into For you's profile: the parser (app/ranking/library.py) on
hand-made and fuzzed input, and `POST /api/library` over the sample days with a search index
(arXiv ids taken as given, other entries matched by exact title, the rest kept as texts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from coolpapers.app.ranking.library import MAX_BYTES, LibraryError, read_library
from coolpapers.app.store.migrate import upgrade
from tests.search_fixtures import client_for, demo_app

DAY = "2026-06-09"


def test_arxiv_ids_are_found_wherever_the_exports_put_them() -> None:
    bib = rb"""@article{a, title={{Attention} Is All You Need}, eprint={1706.03762v5}, archivePrefix={arXiv}}
@article{b, title={BERT}, journal={arXiv preprint arXiv:1810.04805}}
@misc{c, title={Zotero style}, note={arXiv:2106.09685 [cs]}, abstract={Low-rank {adaptation}.}}
@article{d, title={Mendeley style}, arxivId={2203.02155}}
@article{e, title={Old style}, url={http://arxiv.org/abs/hep-th/9901001v2}}
@article{f, title={By DOI}, doi={10.48550/arXiv.2302.13971}}
@book{g, title={A book with no id, only a title}}
@comment{jabref-meta: databaseType:bibtex;}
"""
    kind, entries = read_library(bib)
    assert kind == "bibtex"
    assert [e.arxiv_id for e in entries] == ["1706.03762", "1810.04805", "2106.09685", "2203.02155",
                                            "hep-th/9901001", "2302.13971", None]  # fmt: skip
    assert entries[0].title == "Attention Is All You Need"  # BibTeX's case braces gone
    assert entries[2].abstract == "Low-rank adaptation."
    ris = b"TY  - JOUR\nTI  - A RIS paper\nAB  - An abstract.\nUR  - http://arxiv.org/abs/2106.01234v2\nER  -"
    assert read_library(ris)[1][0].arxiv_id == "2106.01234"
    csl = json.dumps([{"type": "article", "title": "CSL", "number": "arXiv:2301.00001", "abstract": "x"},
                      {"type": "book", "title": "No id"}]).encode()  # fmt: skip
    assert [(e.arxiv_id, e.title) for e in read_library(csl)[1]] == [("2301.00001", "CSL"), (None, "No id")]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"just some notes, not a library", "not a BibTeX, RIS or CSL-JSON"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2, 3]", "not CSL-JSON"),
        (b"@article{x, title={unclosed", "no BibTeX entries"),
        (b"[]", "holds no entry"),
        (b"@comment{only a comment}", "no BibTeX entries"),
        (b"x" * (MAX_BYTES + 1), "limit is 5 MB"),
    ],
)
def test_anything_else_is_refused_with_a_clear_reason(data: bytes, says: str) -> None:
    with pytest.raises(LibraryError, match=says):
        read_library(data)


BIB_ENTRY = st.text(max_size=200).map(lambda t: f"@article{{k, title={{{t}}}, note={{arXiv:{t}}}}}".encode())
RIS_ENTRY = st.text(max_size=200).map(lambda t: f"TY  - JOUR\nTI  - {t}\nER  - \n".encode())


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode), BIB_ENTRY, RIS_ENTRY))
def test_any_bytes_give_entries_or_a_library_error(data: bytes) -> None:
    try:
        kind, entries = read_library(data)
    except LibraryError:
        return
    assert kind in ("bibtex", "ris", "csl-json") and entries
    assert all(e.arxiv_id or e.title for e in entries)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    base = tmp_path_factory.mktemp("library")
    url = f"sqlite:///{base / 'db.sqlite'}"
    upgrade(url)
    with client_for(demo_app(url, base / "index")) as c:
        yield c


def test_an_export_becomes_ids_and_texts_and_ranks_the_day(client: TestClient, tmp_path: Path) -> None:
    day = client.get("/api/arxiv/cs.CL", params={"date": DAY, "size": 500}).json()["papers"]
    known, titled = day[3], day[7]
    first = f"title={{{known['title']}}}, eprint={{{known['arxiv_id']}v1}}, archiveprefix={{arXiv}}"
    bib = (f"@article{{k1, {first}}}"
           f"\n@inproceedings{{k2, title={{{titled['title'].upper()}}}, booktitle={{ACL}}}}\n"
           "@article{k3, title={Speech recognition for low-resource languages with self-supervision},"
           " abstract={We train speech recognition models for low-resource languages.}}\n")  # fmt: skip
    answer = client.post("/api/library", content=bib.encode())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["format"], body["entries"], body["by_title"], body["unmatched"]) == ("bibtex", 3, 1, 0)
    assert [p["arxiv_id"] for p in body["papers"]] == [known["arxiv_id"], titled["arxiv_id"]]
    assert [t["title"] for t in body["texts"]] == [
        "Speech recognition for low-resource languages with self-supervision"
    ]

    profile = {"liked": [p["arxiv_id"] for p in body["papers"]], "texts": body["texts"]}
    ranked = client.post("/api/arxiv/cs.CL", params={"date": DAY, "size": 500}, json=profile).json()
    assert ranked["liked"]["used"] == 2 and ranked["hint"] is None
    top = {p["arxiv_id"] for p in ranked["papers"][:2]}
    assert top == {known["arxiv_id"], titled["arxiv_id"]}
    speech = [p for p in ranked["papers"][:20] if p["because"] is None and p["score"] > 0]
    assert speech, "the entry known only by its text pulled speech papers up"
    alone = client.post("/api/arxiv/cs.CL", params={"date": DAY}, json={"texts": body["texts"]}).json()
    assert (
        alone["hint"] is None
        and "speech" in (alone["papers"][0]["title"] + alone["papers"][0]["abstract"]).lower()
    )


def test_the_api_refuses_what_is_not_a_library(client: TestClient) -> None:
    bad = client.post("/api/library", content=b"hello")
    assert bad.status_code == 400 and "BibTeX, RIS or CSL-JSON" in bad.json()["error"]["message"]
    big = client.post("/api/library", content=b"@" * (MAX_BYTES + 10))
    assert big.status_code == 413 and "5 MB" in big.json()["error"]["message"]
    too_many = client.post("/api/arxiv/cs.CL", json={"texts": [{"title": "t"}] * 101})
    assert too_many.status_code == 422


REAL = Path(__file__).parent / "data" / "real" / "refmanager"


@pytest.mark.parametrize(
    ("name", "kind", "entries", "ids"),
    [
        ("zotero.bib", "bibtex", 8, ["1706.05125", "1812.01431", "1809.01201", "1809.00549", "1804.03984"]),
        ("mendeley.bib", "bibtex", 5, ["1212.1701", "1405.3452"]),
        ("jabref.bib", "bibtex", 13, ["1611.07191"]),
        ("zotero.ris", "ris", 6, []),
        ("zotero.json", "csl-json", 7, ["1701.08140", "1906.10026", "1806.01401"]),
    ],
)
def test_real_exports_of_zotero_mendeley_and_jabref(
    name: str, kind: str, entries: int, ids: list[str]
) -> None:
    found_kind, found = read_library((REAL / name).read_bytes())
    assert (found_kind, len(found)) == (kind, entries)
    assert [e.arxiv_id for e in found if e.arxiv_id] == ids
    assert all(e.title and "{" not in e.title for e in found)  # case braces gone, every entry titled
    if name == "zotero.bib":
        assert found[0].title == "Deal or No Deal? End-to-End Learning for Negotiation Dialogues"
        assert found[0].abstract.startswith("Much of human dialogue occurs in semi-cooperative settings")
