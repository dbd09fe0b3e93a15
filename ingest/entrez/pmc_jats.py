"""EFetch ``db=pmc`` (JATS) or a bare ``.nxml`` article → ``FullText``s split into sections.

Articles outside PMC's open-access subset come back with ``<front>`` only (and at most a comment
saying the publisher does not allow the download): ``open_access`` is False for them, which is
how the build tells "full text" from "abstract only".
"""

# Sample input (EFetch db=pmc, trimmed):
#
# <pmc-articleset><article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="…">
#   <front><article-meta><article-id pub-id-type="pmid">34527728</article-id>
#     <article-id pub-id-type="pmc">8435807</article-id>
#     <title-group><article-title>…</article-title></title-group>
#     <permissions><license xlink:href="…"><license-p>…</license-p></license></permissions>
#     <abstract><sec><title>Background</title><p>…</p></sec></abstract></article-meta></front>
#   <body><sec><title>Case presentation</title><p>…</p><sec>…</sec></sec></body>
# </article></pmc-articleset>

from __future__ import annotations

from xml.etree.ElementTree import Element

from ingest.entrez.errors import checked_root
from ingest.xmlsafe import text_of
from kb.records import AbstractSection, FullText, FullTextSection

__all__ = ["parse_pmc_xml"]

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_ALI_LICENSE_REF = "{http://www.niso.org/schemas/ali/1.0/}license_ref"
# Display objects that may sit inside a <p>: their captions and cells are not running text.
_SKIP_IN_P = frozenset(
    {
        "fig",
        "fig-group",
        "table-wrap",
        "table-wrap-group",
        "disp-formula",
        "disp-formula-group",
        "supplementary-material",
    }
)
_PMC_ID_TYPES = ("pmcid", "pmc", "pmcaid")
_LICENSE_MAX = 200
# Should the withholding notice come as a <p> rather than a comment, it is still not full text.
_WITHHELD = "does not allow downloading of the full text"


def parse_pmc_xml(data: bytes) -> list[FullText]:
    """Parse a ``<pmc-articleset>`` or a bare ``<article>`` into full texts, in document order.

    Raises ``XmlError`` (malformed or unsafe XML) and ``ResponseError`` (an ``<ERROR>`` answer or
    an unexpected root). Per-article ``<error>`` entries (an id PMC cannot serve) and articles
    without any PMC id are skipped: neither can be matched to a request.
    """
    root = checked_root(data, "pmc-articleset", "article")
    articles = [root] if root.tag == "article" else list(root.iterfind("article"))
    out: list[FullText] = []
    for art in articles:
        ft = _article(art)
        if ft is not None:
            out.append(ft)
    return out


def _article(art: Element) -> FullText | None:
    meta = art.find("front/article-meta")
    if meta is None:
        meta = Element("article-meta")
    ids: dict[str, str] = {}
    for a in meta.iterfind("article-id"):
        kind, value = a.get("pub-id-type"), (a.text or "").strip()
        if kind and value and kind not in ids:
            ids[kind] = value
    pmcid = next((p for k in _PMC_ID_TYPES if (p := _pmcid(ids.get(k)))), None)
    if pmcid is None:
        return None
    doi = ids.get("doi")
    sections = _body_sections(art.find("body"))
    return FullText(
        pmcid=pmcid,
        pmid=ids.get("pmid"),
        doi=doi.lower() if doi else None,
        title=text_of(meta.find("title-group/article-title")) or None,
        open_access=any(s.paragraphs for s in sections),
        license=_license(meta.find("permissions/license")),
        abstract=_abstract(meta),
        sections=sections,
    )


def _pmcid(value: str | None) -> str | None:
    if not value:
        return None
    digits = value[3:] if value.upper().startswith("PMC") else value
    return f"PMC{digits}" if digits.isdigit() else None


def _license(lic: Element | None) -> str | None:
    """The licence URL when there is one, else the start of its text: a label, not the terms."""
    if lic is None:
        return None
    href = (lic.get(_XLINK_HREF) or "").strip()
    if href:
        return href
    ref = text_of(lic.find(_ALI_LICENSE_REF))
    if ref:
        return ref
    text = text_of(lic)
    if len(text) > _LICENSE_MAX:
        text = text[:_LICENSE_MAX].rsplit(" ", 1)[0] + "…"
    return text or None


def _abstract(meta: Element) -> list[AbstractSection]:
    abstracts = list(meta.iterfind("abstract"))
    # The main abstract has no abstract-type; graphical/teaser/summary ones are extras.
    main = next((a for a in abstracts if not a.get("abstract-type")), None)
    if main is None:
        main = abstracts[0] if abstracts else None
    if main is None:
        return []
    out: list[AbstractSection] = []
    for child in main:
        if child.tag == "sec":
            text = " ".join(t for p in child.iter("p") if (t := _para_text(p)))
            if text:
                out.append(AbstractSection(text=text, label=text_of(child.find("title")) or None))
        elif child.tag == "p" and (text := _para_text(child)):
            out.append(AbstractSection(text=text))
    return out


def _body_sections(body: Element | None) -> list[FullTextSection]:
    """Every <sec> of the body in document order; paragraphs straight under body go first-come."""
    if body is None:
        return []
    out: list[FullTextSection] = []
    loose: FullTextSection | None = None
    for child in body:
        if child.tag == "p":
            text = _para_text(child)
            if not text or _WITHHELD in text:
                continue
            if loose is None:
                loose = FullTextSection(title=None)
                out.append(loose)
            loose.paragraphs.append(text)
        elif child.tag == "sec":
            _walk_sec(child, [], out)
    return out


def _walk_sec(sec: Element, path: list[str], out: list[FullTextSection]) -> None:
    title = text_of(sec.find("title")) or None
    section = FullTextSection(title=title, path=list(path))
    out.append(section)
    inner = [*path, title] if title else path
    for child in sec:
        if child.tag == "p":
            if text := _para_text(child):
                section.paragraphs.append(text)
        elif child.tag == "sec":
            _walk_sec(child, inner, out)


def _para_text(p: Element) -> str:
    """A paragraph's running text: inline markup flattened, figure/table/formula objects dropped."""
    parts: list[str] = []
    _collect(p, parts)
    return " ".join("".join(parts).split())


def _collect(el: Element, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        if child.tag not in _SKIP_IN_P:
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
