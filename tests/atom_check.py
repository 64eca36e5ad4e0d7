"""RFC 4287 rules a feed reader relies on, checked on the parsed XML (feedparser only reports
well-formedness, so the structural rules are checked here)."""

from __future__ import annotations

import re
from collections import Counter
from xml.etree import ElementTree as ET

A = "{http://www.w3.org/2005/Atom}"
NS = {"a": "http://www.w3.org/2005/Atom"}
# RFC 3339 date-time, as Atom's Date constructs require (section 3.3).
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _one(parent: ET.Element, tag: str, where: str, problems: list[str]) -> ET.Element | None:
    found = parent.findall(f"a:{tag}", NS)
    if len(found) != 1:
        problems.append(f"{where}: {len(found)} <{tag}> elements, exactly one required")
        return None
    return found[0]


def _date(parent: ET.Element, tag: str, where: str, problems: list[str], required: bool = True) -> None:
    found = parent.findall(f"a:{tag}", NS)
    if not found and not required:
        return
    el = _one(parent, tag, where, problems)
    if el is not None and not RFC3339.match(el.text or ""):
        problems.append(f"{where}: <{tag}> {el.text!r} is not an RFC 3339 date-time")


def _links(parent: ET.Element, where: str, problems: list[str]) -> list[ET.Element]:
    links = parent.findall("a:link", NS)
    if any(not link.get("href") for link in links):
        problems.append(f"{where}: a <link> without href")
    alternates = Counter(
        (link.get("type"), link.get("hreflang"))
        for link in links
        if link.get("rel", "alternate") == "alternate"
    )
    if any(n > 1 for n in alternates.values()):
        problems.append(f"{where}: two alternate links with the same type and hreflang")
    return links


def _text_construct(parent: ET.Element, where: str, problems: list[str]) -> None:
    for el in parent:
        if el.tag in (f"{A}title", f"{A}summary", f"{A}subtitle") and len(el):
            problems.append(f"{where}: <{el.tag[len(A) :]}> holds elements; a text construct holds text")


def atom_problems(body: bytes) -> list[str]:
    """Every rule of RFC 4287 that this feed breaks (empty when valid)."""
    problems: list[str] = []
    root = ET.fromstring(body)
    if root.tag != f"{A}feed":
        return [f"root element is {root.tag}, not atom:feed"]
    for tag in ("id", "title"):
        _one(root, tag, "feed", problems)
    _date(root, "updated", "feed", problems)
    links = _links(root, "feed", problems)
    if not any(link.get("rel") == "self" for link in links):
        problems.append("feed: no rel=self link")
    _text_construct(root, "feed", problems)
    feed_author = bool(root.findall("a:author", NS))
    ids = []
    for n, entry in enumerate(root.findall("a:entry", NS)):
        where = f"entry {n}"
        id_el = _one(entry, "id", where, problems)
        if id_el is not None:
            ids.append(id_el.text)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", id_el.text or ""):
                problems.append(f"{where}: id {id_el.text!r} is not an absolute IRI")
        _one(entry, "title", where, problems)
        _date(entry, "updated", where, problems)
        _date(entry, "published", where, problems, required=False)
        _links(entry, where, problems)
        _text_construct(entry, where, problems)
        if not feed_author and not entry.findall("a:author", NS):
            problems.append(f"{where}: no author, and the feed has none to inherit")
        if any(not a.findtext("a:name", namespaces=NS) for a in entry.findall("a:author", NS)):
            problems.append(f"{where}: an author without a name")
        if len(entry.findall("a:summary", NS)) > 1:
            problems.append(f"{where}: more than one summary")
        if any(not c.get("term") for c in entry.findall("a:category", NS)):
            problems.append(f"{where}: a category without term")
    if len(ids) != len(set(ids)):
        problems.append("two entries share an id")
    return problems
