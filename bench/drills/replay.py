"""Items 1–11 of "safe to expose" replayed: each item's regression tests (which reproduce the attack
against a real server, database, Redis or Chromium and failed before its fix), run against this
drill's own PostgreSQL and Redis, at the issue's own scale where a test has a knob for it (1,000
viewers on one FAQ); item 2 also replays its number (300 orderings of a 20-category union)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from bench import cache_growth
from bench.drills.result import Result
from bench.drills.services import ROOT, PrivatePostgres, PrivateRedis

ITEMS: dict[int, tuple[str, list[str]]] = {
    1: ("the daily token budget holds for queued, retried and cut work", [
        "tests/faq/test_faq_faults.py::test_the_daily_token_budget_holds_for_queued_and_retried_work",
        "tests/faq/test_faq_faults.py::test_cost_guards_answer_429_and_store_nothing",
        "tests/faq/test_faq_pregenerate.py::test_nothing_is_queued_once_the_sites_daily_budget_is_spent"]),
    2: ("reordered listing URLs share one bounded cache entry", ["tests/test_cache_bounds.py"]),
    3: ("pages on other sites cannot POST FAQs, stars or counters", [
        "tests/test_security_headers.py::test_a_page_on_another_site_cannot_change_state",
        "tests/test_security_headers.py::test_the_sites_own_pages_and_api_clients_change_state"]),
    4: ("X-Forwarded-For counts only from trusted proxies", ["tests/test_trusted_proxies.py"]),
    5: ("CSP and hardening headers on every page, no violation in Chromium", [
        "tests/test_security_headers.py::test_every_response_carries_the_policy",
        "tests/test_security_headers.py::test_static_urls_under_the_policy_are_same_origin",
        "tests/test_security_headers.py::test_templates_hold_no_inline_script_or_handler",
        "tests/test_browser_faq.py::test_faq_streams_into_the_card_in_the_chosen_language"]),
    6: ("no provider error, secret or Redis address reaches a reader", [
        "tests/faq/test_faq_faults.py::test_a_key_the_provider_echoes_is_never_shown_or_logged",
        "tests/faq/test_faq_redis.py::test_redis_outage_is_a_clear_503_and_heals_without_restart",
        "tests/test_health.py::test_readyz_reports_database_down_with_masked_password",
        "tests/test_database_outage.py"]),
    7: ("1,000 streams on one FAQ: a few Redis connections, /healthz < 100 ms", [
        "tests/faq/test_faq_stream_fanout.py"]),
    8: ("PDF downloads have a deadline, extraction a child with limits", [
        "tests/test_arxiv_client.py::test_a_trickling_transfer_ends_at_its_deadline_and_frees_the_turn",
        "tests/faq/test_faq_units.py::test_text_is_extracted_in_a_child_process_with_a_deadline",
        "tests/faq/test_faq_api.py::test_a_pdf_whose_extraction_stalls_falls_back_to_the_abstract"]),
    9: ("redirects only to the configured arXiv hosts", [
        "tests/test_arxiv_client.py::test_a_redirect_leads_only_to_an_arxiv_host"]),
    10: ("feeds' absolute links from PUBLIC_URL, not the Host header", [
        "tests/test_feeds.py::test_links_use_the_public_url_not_the_host_header",
        "tests/test_feeds.py::test_a_public_url_must_be_an_address"]),
    11: ("one PDF open, FAQ open and star per client, paper and day", [
        "tests/test_counters.py::test_opens_and_stars_count_once_per_reader_a_day_and_never_go_negative"]),
}  # fmt: skip


def _outcomes(report: Path) -> dict[str, str]:
    """nodeid without parameters → "passed", or what went wrong with one of its cases."""
    found: dict[str, str] = {}
    for case in ET.parse(report).iter("testcase"):
        module, _, _cls = case.get("classname", "").partition("::")
        path = module.replace(".", "/") + ".py"
        node = f"{path}::{case.get('name', '').split('[')[0]}"
        bad = next(
            (
                f"{c.tag}: {c.get('message', '')[:300]}"
                for c in case
                if c.tag in ("failure", "error", "skipped")
            ),
            None,
        )
        if bad is not None or node not in found:
            found[node] = bad or "passed"
    return found


def _item_result(number: int, outcomes: dict[str, str], seconds: float) -> Result:
    label, nodes = ITEMS[number]
    mine = {n: o for n, o in outcomes.items() if any(n == t or n.startswith(f"{t}::") for t in nodes)}
    missing = [t for t in nodes if not any(n == t or n.startswith(f"{t}::") for n in mine)]
    bad = {n: o for n, o in mine.items() if o != "passed"}
    ok = bool(mine) and not missing and not bad
    detail = f"{len(mine)} test(s) passed" if ok else f"not run: {missing}; {bad}"
    return Result(f"replay item {number}: {label}", ok, detail, seconds)


def _cache_growth(redis: PrivateRedis) -> tuple[bool, str]:
    before, after = cache_growth.run(300, None)
    embedded = after - before
    before_r, after_r = cache_growth.run(300, redis.port)
    in_redis = after_r - before_r
    ok = embedded < 50 and in_redis < 50
    return ok, (
        f"300 orderings: server RSS +{embedded:.1f} MB, Redis +{in_redis:.1f} MB (target < 50 each; "
        f"before the fix +466 MB after 260 and +311 MB after 150)"
    )


def run(tmp: Path, pg: PrivatePostgres) -> list[Result]:
    start = time.monotonic()
    redis = PrivateRedis(tmp)
    redis.start()
    report = tmp / "replay.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env.update(
        {
            "COOLPAPERS_TEST_DATABASE_URL": pg.url("postgres"),
            "PYTHONPATH": str(ROOT),
            "COOLPAPERS_TEST_REDIS_URL": redis.url.replace("/0", "/15"),
            "COOLPAPERS_REQUIRE_SERVICES": "1",
            "COOLPAPERS_TEST_VIEWERS": "1000",
        }
    )
    nodes = [n for _, tests in ITEMS.values() for n in tests]
    try:
        pytest = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            f"--junitxml={report}",
        ]
        ran = subprocess.run(
            [*pytest, *nodes], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        outcomes = _outcomes(report) if report.exists() else {}
        growth = _cache_growth(redis)
    finally:
        redis.kill()
    seconds = time.monotonic() - start
    results = [_item_result(n, outcomes, seconds) for n in ITEMS]
    if ran.returncode != 0 and all(r.ok for r in results):  # something failed that no item names
        results.append(Result("replay: pytest", False, ran.stdout[-2000:], seconds))
    item2 = results[1]
    ok, detail = growth
    results[1] = Result(item2.name, item2.ok and ok, f"{item2.detail}; {detail}", seconds)
    return results
