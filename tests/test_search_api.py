"""/api/search, /api/papers/{id}/related and the /arxiv/search page over the sample days."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coolpapers.app.ingest.demo import iter_days
from coolpapers.app.ranking.foryou import CATEGORY_WEIGHT
from tests.search_fixtures import HOSTILE, client_for, demo_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    base = tmp_path_factory.mktemp("search-api")
    from coolpapers.app.store.migrate import upgrade

    url = f"sqlite:///{base / 'db.sqlite'}"
    upgrade(url)
    with client_for(demo_app(url, base / "index")) as c:
        yield c


def test_search_answers_with_pagination_fields(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "language model", "size": 5, "page": 2}).json()
    assert (body["page"], body["size"], body["sort"]) == (2, 5, "relevance")
    assert body["total"] == min(body["matches"], 1000) and body["matches"] > 10
    assert len(body["papers"]) == 5
    scores = [p["score"] for p in body["papers"]]
    assert scores == sorted(scores, reverse=True)
    first = client.get("/api/search", params={"q": "language model", "size": 5}).json()["papers"]
    assert {p["arxiv_id"] for p in first}.isdisjoint(p["arxiv_id"] for p in body["papers"])
    assert body["papers"][0]["url"] == f"/arxiv/{body['papers'][0]['arxiv_id']}"


def test_size_above_the_cap_is_capped(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "learning", "size": 5000}).json()
    assert body["size"] == 100 and len(body["papers"]) == 100


def test_sort_by_date_is_newest_first(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "tarsier OR graph", "sort": "date", "size": 100}).json()
    dates = [p["date"] for p in body["papers"]]
    assert dates == sorted(dates, reverse=True) and body["papers"][-1]["arxiv_id"] == HOSTILE.arxiv_id
    assert all(p["score"] is None for p in body["papers"])


def test_title_is_weighted_above_abstract(client: TestClient) -> None:
    papers = client.get("/api/search", params={"q": "tarsier"}).json()["papers"]
    assert papers[0]["arxiv_id"] == HOSTILE.arxiv_id


def test_exact_titles_find_their_paper_in_the_top_three(client: TestClient) -> None:
    papers = [item.paper for _, day in iter_days() for item in day]
    found = 0
    for paper in papers[::4]:
        top = client.get("/api/search", params={"q": paper.title, "size": 3}).json()["papers"]
        found += paper.arxiv_id in [p["arxiv_id"] for p in top]
    assert found >= 0.95 * len(papers[::4])


def test_filters_and_exact_ids(client: TestClient) -> None:
    by_id = client.get("/api/search", params={"q": "arXiv:2606.06625v1"}).json()["papers"]
    assert [p["arxiv_id"] for p in by_id] == ["2606.06625"]
    cl = client.get("/api/search", params={"q": "cat:cs.CL language", "size": 100}).json()["papers"]
    assert cl and all("cs.CL" in p["categories"] for p in cl)
    old = client.get("/api/search", params={"q": "before:2021-01-01"}).json()["papers"]
    assert [p["arxiv_id"] for p in old] == [HOSTILE.arxiv_id]
    by_author = client.get("/api/search", params={"q": 'author:"Nana Odishelidze"'}).json()["papers"]
    assert by_author and all("Nana Odishelidze" in p["authors"] for p in by_author)
    without = client.get("/api/search", params={"q": "language -model", "size": 100}).json()["papers"]
    assert without and all("model" not in (p["title"] + p["abstract"]).lower() for p in without)


def test_highlight_marks_words_and_escapes_html(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "tarsier", "highlight": 1}).json()["papers"][0]
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert hit["title_html"] == f"{escaped} Escaping <b>tarsier</b> titles"
    assert "<b>Tarsier</b> &amp; friends: &lt;b&gt;" in hit["snippet_html"]
    page = client.get("/arxiv/search", params={"query": "tarsier", "highlight": "1"})
    assert page.status_code == 200 and "<script>alert" not in page.text
    assert 'Escaping <mark class="q">tarsier</mark> titles' in page.text and 'id="2606.99001"' in page.text
    plain = client.get("/api/search", params={"q": "tarsier"}).json()["papers"][0]
    assert plain["title_html"] is None


SYNTAX = ["'\";--", "*", "NEAR(", '"unbalanced', "-", "OR", "a:b:c", "cat:", "\u0000", "%"]
SYNTAX += ["after:0001-01-01", "before:9999-12-31 graph", "after:2030-01-01 before:2020-01-01"]


@pytest.mark.parametrize("q", SYNTAX)
def test_syntax_characters_never_fail(client: TestClient, q: str) -> None:
    for path, key in (("/api/search", "q"), ("/arxiv/search", "query")):
        assert client.get(path, params={key: q}).status_code == 200


def test_too_long_query_is_refused_with_a_message(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "x" * 10_000})
    assert response.status_code == 414
    error = response.json()["error"]
    assert error["code"] == "uri_too_long" and "limit" in error["message"]
    assert client.get("/arxiv/search", params={"query": "x" * 10_000}).status_code == 414


def test_empty_query_page_shows_tips(client: TestClient) -> None:
    page = client.get("/arxiv/search")
    assert page.status_code == 200 and 'id="search-tips"' in page.text
    assert client.get("/api/search").json()["papers"] == []


def test_page_lists_results_with_pages(client: TestClient) -> None:
    page = client.get("/arxiv/search", params={"query": "learning", "sort": "bogus", "page": "x"})
    assert page.status_code == 200 and page.text.count('<article class="paper"') == 25
    assert 'rel="next"' in page.text and "page 1 of" in page.text


def test_related_papers(client: TestClient) -> None:
    body = client.get("/api/papers/2606.06625/related", params={"size": 5}).json()
    assert body["arxiv_id"] == "2606.06625" and len(body["papers"]) == 5
    assert "2606.06625" not in [p["arxiv_id"] for p in body["papers"]]
    assert set(body["papers"][0]) == {"arxiv_id", "title", "authors", "score"}
    # Ordered by For you's similarity to the paper (at most 1 + the category share), not BM25's scale.
    scores = [p["score"] for p in body["papers"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1 + CATEGORY_WEIGHT
    capped = client.get("/api/papers/2606.06625/related", params={"size": 500}).json()["papers"]
    assert len(capped) == 50 and [p["arxiv_id"] for p in capped[:5]] == [
        p["arxiv_id"] for p in body["papers"]
    ]
    missing = client.get("/api/papers/2606.00001/related")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    invalid = client.get("/api/papers/not-an-id/related")
    assert invalid.status_code == 404 and "not an arXiv id" in invalid.json()["error"]["message"]


def test_index_not_built_yet(sqlite_url: str, tmp_path: Path) -> None:
    with client_for(demo_app(sqlite_url, tmp_path / "none", build_index=False)) as fresh:
        api = fresh.get("/api/search", params={"q": "graph"})
        assert api.status_code == 503 and "being built" in api.json()["error"]["message"]
        assert 'id="search-not-ready"' in fresh.get("/arxiv/search", params={"query": "graph"}).text


def test_for_you_orders_the_most_relevant_matches_by_the_liked_papers(client: TestClient) -> None:
    relevant = client.get("/api/search", params={"q": "speech", "size": 100}).json()["papers"]
    liked = [relevant[-1]["arxiv_id"], relevant[-2]["arxiv_id"]]  # the least relevant of them
    spelled = f"arXiv:{liked[0]},{liked[1]}v1,junk"
    body = client.get(
        "/api/search", params={"q": "speech", "sort": "foryou", "size": 10, "liked": spelled}
    ).json()
    assert body["sort"] == "foryou" and body["liked"] == {
        "used": 2,
        "unknown": 0,
        "malformed": 1,
        "duplicate": 0,
    }
    assert {p["arxiv_id"] for p in body["papers"][:2]} == set(liked)  # each closest to itself, first
    scores = [p["score"] for p in body["papers"]]
    assert scores == sorted(scores, reverse=True)
    assert all(p["because"] in liked for p in body["papers"] if p["score"] > 0)
    second = client.get("/api/search", params={"q": "speech", "sort": "foryou", "size": 10, "page": 2,
                                               "liked": ",".join(liked)}).json()["papers"]  # fmt: skip
    assert {p["arxiv_id"] for p in second}.isdisjoint(p["arxiv_id"] for p in body["papers"])
    nobody = client.get("/api/search", params={"q": "speech", "sort": "foryou", "liked": "2401.99999"}).json()
    assert nobody["hint"] and [p["arxiv_id"] for p in nobody["papers"]] == [
        p["arxiv_id"] for p in relevant[:20]
    ]
    too_many = ",".join(f"2406.{n:05d}" for n in range(201))
    many = client.get("/api/search", params={"q": "speech", "sort": "foryou", "liked": too_many})
    assert many.status_code == 400 and "200" in many.json()["error"]["message"]


def test_more_like_my_stars_page_with_good_and_bad_ids(client: TestClient) -> None:
    liked = client.get("/api/search", params={"q": "speech recognition", "size": 2}).json()["papers"]
    page = client.get("/arxiv/search", params={"like": ",".join(p["arxiv_id"] for p in liked)})
    assert page.status_code == 200 and "More like your 2 starred papers" in page.text
    assert page.text.count('class="why"') > 0
    for p in liked:
        assert f'data-id="{p["arxiv_id"]}"' not in page.text  # the liked papers themselves are not offered
    for bad in ("junk,,", "2401.99999", "<script>", "x" * 1001):
        answer = client.get("/arxiv/search", params={"like": bad})
        assert answer.status_code in (200, 414) and "<script>" not in answer.text.split("</header>")[1]
