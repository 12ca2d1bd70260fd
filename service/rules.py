"""The rules the API enforces and the page follows: limits, defaults and separators, said once, here."""

from __future__ import annotations

from indexer.documents import PATH_SEP

MAX_QUERY_CHARS = 1000
QUERY_PATTERN = r"^\s*\S([\s\S]{0,998}\S)?\s*$"  # 1-1000 characters once leading/trailing blanks are cut
MAX_FILTER_CHARS = 200  # a filter's value, and a document or passage id in the page's URL
MAX_CAREERS = 50  # exact career filters in one request
MAX_K = 100
DEFAULT_K = 10
DEFAULT_PER_DOC = 2
MAX_PER_DOC = 100
# one career's results (the page's "More from this career" and career facet): its passages, not only the best two
ONE_CAREER_K, ONE_CAREER_PER_DOC = 20, 10
# a line of a passage that the document view shows as a list item: the indexer writes "• ", documents type others
LIST_ITEM = r"^[•·▪◦*-]\s+"
# the page's URL: the question, the filters and the open document and passage, each with its longest accepted value
URL_KEYS = {
    "q": MAX_QUERY_CHARS,
    "title": MAX_FILTER_CHARS,
    "section": MAX_FILTER_CHARS,
    "from": MAX_FILTER_CHARS,
    "doc": MAX_FILTER_CHARS,
    "p": MAX_FILTER_CHARS,
}
# the page's URL filters and the /api/search parameter each becomes: from = one career (exact document id), section =
# a top-level section (exact path), title = a career title's substring (older shared links)
FILTER_PARAMS = {"from": "career", "section": "section_path", "title": "title"}
ONE_CAREER_WHEN = ("from", "title")  # URL filters that narrow the page to one career


def page_rules() -> dict:
    """What the page needs to know of these rules; it reads them from its page-config block and restates none."""
    return {
        "url_keys": URL_KEYS,
        "search": {"k": DEFAULT_K, "per_doc": DEFAULT_PER_DOC},
        "one_career": {"k": ONE_CAREER_K, "per_doc": ONE_CAREER_PER_DOC},
        "one_career_when": list(ONE_CAREER_WHEN),
        "filter_params": FILTER_PARAMS,
        "separator": PATH_SEP,
        "list_item": LIST_ITEM,
    }
