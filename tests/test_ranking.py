"""For you's scoring (coolpapers/app/ranking): the text model and the ranking by similarity to the
papers a reader liked, on the real sample days' papers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coolpapers.app.ingest.demo import demo_files
from coolpapers.app.ranking.foryou import CATEGORY_WEIGHT, category_affinity, rank
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


def test_sharing_the_liked_papers_categories_breaks_a_tie_of_words_but_not_a_clear_lead() -> None:
    liked = ["Sparse attention for long documents. Attention over long texts is made sparse."]
    candidates = [
        "Sparse attention in the visual cortex. Neurons attend to sparse stimuli over long times.",
        "Sparse attention in long document transformers. Long texts get sparse attention.",
        "Sparse attention for long documents. Attention over long texts is made sparse.",
    ]
    affinity = category_affinity([["q-bio.NC"], ["cs.CL", "cs.LG"], ["physics.soc-ph"]], [["cs.CL"]])
    assert affinity[0] == 0 and 0 < affinity[1] < 1 and affinity[2] == 0
    assert category_affinity([["cs.CL"], []], [["cs.CL"], ["cs.CL"]]).tolist() == [1.0, 0.0]
    assert not category_affinity([["cs.CL"]], []).any()  # a profile of texts alone has no categories
    ranking = rank(MODEL.vectors(candidates), MODEL.vectors(liked), affinity)
    words_only = rank(MODEL.vectors(candidates), MODEL.vectors(liked))
    assert ranking.order[0] == words_only.order[0] == 2  # the same words still win
    assert ranking.scores[1] - words_only.scores[1] == pytest.approx(CATEGORY_WEIGHT * affinity[1])
    assert list(ranking.because) == list(words_only.because)  # "close to" stays a matter of words


def test_a_model_survives_its_plain_data_and_vectorises_the_same() -> None:
    vocabulary, weights = MODEL.to_data()
    assert isinstance(json.loads(vocabulary), dict) and weights.startswith(b"\x93NUMPY")  # no pickle
    loaded = TextModel.from_data(vocabulary, weights, MODEL.papers)
    assert loaded is not None and loaded.papers == MODEL.papers and loaded.terms == MODEL.terms
    texts = [paper_text(p["title"], p["summary"]) for p in CORPUS[:20]]
    assert np.allclose(loaded.vectors(texts).toarray(), MODEL.vectors(texts).toarray())


def test_data_that_is_not_a_model_is_refused() -> None:
    vocabulary, weights = MODEL.to_data()
    assert TextModel.from_data("{not json", weights, 1) is None
    assert TextModel.from_data(vocabulary, b"garbage", 1) is None
    assert TextModel.from_data('{"a b": 0}', weights, 1) is None  # one term, thousands of weights


@settings(max_examples=60, deadline=None)
@given(
    candidates=st.lists(st.text(max_size=300), max_size=12),
    liked=st.lists(st.text(max_size=300), max_size=6),
)
def test_any_texts_give_a_permutation_and_bounded_scores(candidates: list[str], liked: list[str]) -> None:
    affinity = category_affinity([["cs.LG"]] * len(candidates), [["cs.LG", "stat.ML"]] * len(liked))
    ranking = rank(MODEL.vectors(candidates), MODEL.vectors(liked), affinity)
    assert sorted(ranking.order.tolist()) == list(range(len(candidates)))
    assert ((ranking.scores >= 0) & (ranking.scores <= 1 + CATEGORY_WEIGHT + 1e-5)).all()
    assert ((ranking.because >= -1) & (ranking.because < max(1, len(liked)))).all()


def test_a_handful_of_papers_or_no_words_still_make_a_model_or_a_clear_error() -> None:
    small = TextModel.fit(["Graph networks for molecules.", "Molecules and graphs.", "Robots walk."])
    ranking = rank(small.vectors(["graph molecules", "walking robots"]), small.vectors(["Robots walk."]))
    assert list(ranking.order) == [1, 0]
    with pytest.raises(ValueError):
        TextModel.fit(["", "!!!"])
