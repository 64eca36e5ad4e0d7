"""For you's scoring (coolpapers/app/ranking): the text model and the ranking by similarity to the
papers a reader liked, on the real sample days' papers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coolpapers.app.ingest.demo import demo_files
from coolpapers.app.ranking import text_model
from coolpapers.app.ranking.foryou import rank
from coolpapers.app.ranking.text_model import TextModel, paper_text


def _corpus() -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for file in demo_files():
        for line in file.read_text("utf-8").splitlines():
            if line.strip():
                o = json.loads(line)
                seen.setdefault(o["id"], o)
    return list(seen.values())


CORPUS = _corpus()
MODEL = TextModel.fit([paper_text(p["title"], p["summary"]) for p in CORPUS])


def test_the_candidate_closest_to_the_liked_papers_comes_first_and_says_why() -> None:
    liked = [
        "Graph neural networks for molecular property prediction. We train message passing "
        "graph neural networks on molecular graphs to predict molecular properties.",
        "Reinforcement learning for robot locomotion. A policy learns to walk on rough terrain.",
    ]
    candidates = [
        "A benchmark of large language models on legal reasoning. We test models on statutes.",
        "Equivariant message passing graph neural networks for molecules. Molecular graphs and "
        "properties are predicted by an equivariant graph neural network.",
        "Sim-to-real transfer of locomotion policies. A robot policy trained with reinforcement "
        "learning walks on terrain.",
    ]
    ranking = rank(MODEL.vectors(candidates), MODEL.vectors(liked))
    assert list(ranking.order[:2]) in ([1, 2], [2, 1]) and ranking.order[2] == 0
    assert list(ranking.because) == [-1, 0, 1]  # the legal paper is close to neither liked paper
    assert ranking.scores[0] == 0 and ranking.scores[1] > 0


def test_with_nothing_liked_the_order_is_the_listings_own() -> None:
    candidates = MODEL.vectors([paper_text(p["title"], p["summary"]) for p in CORPUS[:50]])
    ranking = rank(candidates, MODEL.vectors([]))
    assert list(ranking.order) == list(range(50))
    assert not ranking.scores.any() and (ranking.because == -1).all()


def test_a_real_paper_ranks_its_own_near_copy_first_among_a_real_day() -> None:
    day = [paper_text(p["title"], p["summary"]) for p in CORPUS[:300]]
    target = 137
    liked = [day[target].replace(".", " ,")]  # the same words, punctuated differently
    ranking = rank(MODEL.vectors(day), MODEL.vectors(liked))
    assert ranking.order[0] == target and ranking.because[target] == 0


def test_a_saved_model_loads_as_plain_data_and_vectorises_the_same(tmp_path: Path) -> None:
    MODEL.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"model.json", "idf.npy"}
    loaded = TextModel.load(tmp_path)
    assert loaded is not None and loaded.papers == MODEL.papers and loaded.terms == MODEL.terms
    texts = [paper_text(p["title"], p["summary"]) for p in CORPUS[:20]]
    assert np.allclose(loaded.vectors(texts).toarray(), MODEL.vectors(texts).toarray())


def test_a_model_of_another_version_or_a_broken_file_is_not_loaded(tmp_path: Path) -> None:
    assert TextModel.load(tmp_path / "absent") is None
    MODEL.save(tmp_path)
    meta = json.loads((tmp_path / "model.json").read_text())
    (tmp_path / "model.json").write_text(json.dumps({**meta, "version": "tfidf-0"}))
    assert TextModel.load(tmp_path) is None
    (tmp_path / "model.json").write_text("{not json")
    assert TextModel.load(tmp_path) is None
    assert text_model.VERSION != "tfidf-0"


@settings(max_examples=60, deadline=None)
@given(
    candidates=st.lists(st.text(max_size=300), max_size=12),
    liked=st.lists(st.text(max_size=300), max_size=6),
)
def test_any_texts_give_a_permutation_and_bounded_scores(candidates: list[str], liked: list[str]) -> None:
    ranking = rank(MODEL.vectors(candidates), MODEL.vectors(liked))
    assert sorted(ranking.order.tolist()) == list(range(len(candidates)))
    assert ((ranking.scores >= 0) & (ranking.scores <= 1 + 1e-5)).all()
    assert ((ranking.because >= -1) & (ranking.because < max(1, len(liked)))).all()
