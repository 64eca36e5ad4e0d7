"""Rendering the fake arXiv's responses in arXiv's formats: RSS 2.0 feeds, API Atom, PDFs."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from tests.fake_arxiv.data import LICENSE, SamplePaper

EASTERN = ZoneInfo("America/New_York")
TYPE_ORDER = ("new", "cross", "replace", "replace-cross")


def announce_type(paper: SamplePaper, covered: set[str]) -> str:
    """Relative to the whole requested set, as arXiv computes it."""
    inside = paper.primary in covered
    if paper.version > 1:
        return "replace" if inside else "replace-cross"
    return "new" if inside else "cross"


def feed_items(papers: Iterable[SamplePaper], covered: set[str]) -> list[tuple[SamplePaper, str]]:
    """The papers a query shows, in arXiv's order: new, cross, replace, replace-cross; ids ascending."""
    chosen = [(p, announce_type(p, covered)) for p in papers if covered & set(p.categories)]
    return sorted(chosen, key=lambda pt: (TYPE_ORDER.index(pt[1]), pt[0].arxiv_id))


def rfc822_midnight(day: dt.date) -> str:
    midnight = dt.datetime.combine(day, dt.time(0), EASTERN)
    return midnight.strftime("%a, %d %b %Y %H:%M:%S %z")


def render_rss(query: str, day: dt.date, items: list[tuple[SamplePaper, str]]) -> bytes:
    terms = ", ".join(query.split("+"))
    stamp = rfc822_midnight(day)
    built = dt.datetime.combine(day, dt.time(4, 0, 7), dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'version="2.0">\n  <channel>\n'
        f"    <title>{escape(terms)} updates on arXiv.org</title>\n"
        f"    <link>http://rss.arxiv.org/rss/{escape(query)}</link>\n"
        f"    <description>{escape(terms)} updates on the arXiv.org e-print archive.</description>\n"
        f'    <atom:link href="http://rss.arxiv.org/rss/{escape(query)}" rel="self" '
        'type="application/rss+xml"/>\n'
        "    <docs>http://www.rssboard.org/rss-specification</docs>\n    <language>en-us</language>\n"
        f"    <lastBuildDate>{built}</lastBuildDate>\n"
        "    <managingEditor>rss-help@arxiv.org</managingEditor>\n"
        f"    <pubDate>{stamp}</pubDate>\n"
        "    <skipDays>\n      <day>Saturday</day>\n      <day>Sunday</day>\n    </skipDays>\n"
    ]
    for paper, kind in items:
        out.append(_rss_item(paper, kind, stamp))
    out.append("  </channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def _rss_item(paper: SamplePaper, kind: str, stamp: str) -> str:
    vid = f"{paper.arxiv_id}v{paper.version}"
    cats = "".join(f"      <category>{escape(c)}</category>\n" for c in paper.categories)
    extra = ""
    if paper.doi:
        extra += f"      <arxiv:DOI>{escape(paper.doi)}</arxiv:DOI>\n"
    if paper.journal_ref:
        extra += f"      <arxiv:journal_reference>{escape(paper.journal_ref)}</arxiv:journal_reference>\n"
    return (
        "    <item>\n"
        f"      <title>{escape(paper.title)}</title>\n"
        f"      <link>https://arxiv.org/abs/{paper.arxiv_id}</link>\n"
        f"      <description>arXiv:{vid} Announce Type: {kind} \nAbstract: {escape(paper.abstract)}"
        "</description>\n"
        f'      <guid isPermaLink="false">oai:arXiv.org:{vid}</guid>\n'
        f"{cats}"
        f"      <pubDate>{stamp}</pubDate>\n"
        f"      <arxiv:announce_type>{kind}</arxiv:announce_type>\n"
        f"      <dc:rights>{LICENSE}</dc:rights>\n{extra}"
        f"      <dc:creator>{escape(', '.join(paper.authors))}</dc:creator>\n"
        "    </item>\n"
    )


def render_rss_error(query: str, message: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n<rss version=\"2.0\"><channel>"
        f"<title>Feed error for query: {escape(query)}</title>"
        f"<link>http://rss.arxiv.org/rss/{escape(query)}</link>"
        f"<description>{escape(message)}</description></channel></rss>\n"
    ).encode()


_ATOM_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
)


def render_api(query: str, papers: list[SamplePaper], today: dt.date) -> bytes:
    out = [
        _ATOM_HEAD,
        f'  <link href="http://arxiv.org/api/query?{escape(query)}" rel="self"'
        ' type="application/atom+xml"/>\n'
        f"  <title>ArXiv Query: {escape(query)}</title>\n  <id>http://arxiv.org/api/fakehash</id>\n"
        f"  <updated>{today.isoformat()}T00:00:00-04:00</updated>\n"
        f"  <opensearch:totalResults>{len(papers)}</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        f"  <opensearch:itemsPerPage>{len(papers)}</opensearch:itemsPerPage>\n",
    ]
    out.extend(_api_entry(p) for p in papers)
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


def _api_entry(paper: SamplePaper) -> str:
    vid = f"{paper.arxiv_id}v{paper.version}"
    published = paper.submitted.strftime("%Y-%m-%dT%H:%M:%SZ")
    updated = (paper.submitted + dt.timedelta(days=7 * (paper.version - 1))).strftime("%Y-%m-%dT%H:%M:%SZ")
    authors = "".join(f"    <author><name>{escape(a)}</name></author>\n" for a in paper.authors)
    # Raw API whitespace: the title and abstract come wrapped, with leading spaces.
    summary = "  " + escape(paper.abstract).replace(". ", ".\n", 3)
    cats = "".join(
        f'    <category term="{escape(c)}" scheme="http://arxiv.org/schemas/atom"/>\n'
        for c in (*paper.categories, *(("I.2.7",) if paper.primary.startswith("cs.") else ()))
    )
    optional = ""
    if paper.comment:
        optional += f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>\n"
    if paper.journal_ref:
        optional += f"    <arxiv:journal_ref>{escape(paper.journal_ref)}</arxiv:journal_ref>\n"
    if paper.doi:
        optional += f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>\n"
    return (
        f"  <entry>\n    <id>http://arxiv.org/abs/{vid}</id>\n"
        f"    <published>{published}</published>\n    <updated>{updated}</updated>\n"
        f"    <title>{escape(paper.title)}</title>\n    <summary>{summary}</summary>\n{authors}{optional}"
        f'    <link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n'
        f'    <link title="pdf" href="http://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"/>\n'
        f'    <arxiv:primary_category term="{escape(paper.primary)}" scheme="http://arxiv.org/schemas/atom"/>\n'
        f"{cats}  </entry>\n"
    )


def render_api_error(query: str, message: str, today: dt.date) -> bytes:
    return (
        _ATOM_HEAD + f"  <title>ArXiv Query: {escape(query)}</title>\n"
        "  <id>http://arxiv.org/api/fakehash</id>\n"
        f"  <updated>{today.isoformat()}T00:00:00-04:00</updated>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <entry>\n    <id>http://arxiv.org/api/errors#incorrect_id_format</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        f"    <updated>{today.isoformat()}T00:00:00-04:00</updated>\n"
        '    <link href="http://arxiv.org/api/errors#incorrect_id_format" rel="alternate"'
        ' type="text/html"/>\n'
        "    <author><name>arXiv api core</name></author>\n  </entry>\n</feed>\n"
    ).encode("utf-8")


def render_pdf(title: str, text: str) -> bytes:
    """A small, valid one-page PDF whose text layer holds `title` and `text` (for FAQ tests)."""

    def pdf_string(s: str) -> str:
        ascii_only = s.encode("ascii", "replace").decode()
        return "(" + ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    lines = [title, *[text[i : i + 90] for i in range(0, min(len(text), 2700), 90)]]
    ops = ["BT", "/F1 10 Tf", "50 780 Td", "12 TL"]
    ops += [f"{pdf_string(line)} '" for line in lines]
    ops.append("ET")
    stream = zlib.compress("\n".join(ops).encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(body)
