"""NCBI's response shapes (XML declarations, DOCTYPEs, content types) and the answer builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

# Copied from recorded NCBI answers (see /work/shared/eutils): the real DOCTYPE lines, quirks
# included (efetch errors declare "eEfetchResult" but use an <eFetchResult> root).

XML_DECL_UTF8 = '<?xml version="1.0" encoding="UTF-8" ?>\n'
XML_DECL_BARE = '<?xml version="1.0" ?>\n'  # what efetch db=pubmed/pmc starts with
ESEARCH_DOCTYPE = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
ELINK_DOCTYPE = (
    '<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n'
)
EPOST_DOCTYPE = (
    '<!DOCTYPE ePostResult PUBLIC "-//NLM//DTD epost 20090526//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20090526/epost.dtd">'
)
EFETCH_ERROR_DOCTYPE = (
    '<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)
PUBMED_DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
PMC_DOCTYPE = (
    '<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n'
)

#: Root element and prologue of an error answer, per utility. ECitMatch has no XML error format
#: documented; ``eCitMatchResult`` is this server's invention so faults still have a root.
ERROR_SHAPES = {
    "esearch": ("eSearchResult", XML_DECL_UTF8 + ESEARCH_DOCTYPE),
    "efetch": ("eFetchResult", XML_DECL_UTF8 + EFETCH_ERROR_DOCTYPE),
    "elink": ("eLinkResult", XML_DECL_UTF8 + ELINK_DOCTYPE),
    "epost": ("ePostResult", XML_DECL_UTF8 + EPOST_DOCTYPE + "\n"),
    "ecitmatch": ("eCitMatchResult", XML_DECL_UTF8),
}

XML_TYPE = "text/xml; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"
JSON_TYPE = "application/json"


@dataclass
class Answer:
    """An HTTP answer before it is sent (faults rewrite it)."""

    status: int
    body: bytes
    content_type: str = XML_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def error_answer(utility: str, message: str, status: int = 200) -> Answer:
    """A well-formed ``<ERROR>`` answer like NCBI's (HTTP 200: the error is in the body)."""
    root, prologue = ERROR_SHAPES.get(utility, ERROR_SHAPES["esearch"])
    body = f"{prologue}<{root}>\n\t<ERROR>{escape(message)}</ERROR>\n</{root}>\n"
    return Answer(status, body.encode("utf-8"))
