"""HTML articles: the main content through trafilatura, offline; metadata guessed."""

from __future__ import annotations

import re

from annotator.problems import Problem
from annotator.readers.base import Defaults, Result, make_article, text_or_none, valid_published

_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)


def read_html(text: str, defaults: Defaults) -> Result:
    # Imported here: trafilatura pulls in lxml, htmldate and dateparser, which
    # only HTML needs.
    import trafilatura

    name = defaults.source
    try:
        document = trafilatura.bare_extraction(
            text,
            url=defaults.url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
        )
    except Exception as error:  # a third-party parser on untrusted input
        return [], [Problem(name, f"could not parse the HTML: {error}")]
    body = getattr(document, "text", None) or ""
    if not body.strip():
        return [], [Problem(name, "no article text found in the HTML")]
    found = {
        key: text_or_none(getattr(document, attribute, None))
        for key, attribute in (("title", "title"), ("url", "url"), ("outlet", "sitename"))
    }
    first, _, rest = body.partition("\n")
    if rest and first.strip() == found["title"]:
        body = rest  # the page's <h1> repeats the title
    date_found = text_or_none(getattr(document, "date", None))
    if date_found is not None and valid_published(date_found):
        found["published"] = date_found
    if (lang := _HTML_LANG.search(text[:4096])) is not None:
        found["language"] = lang.group(1).lower()
    return [make_article(body, defaults, guessed=found)], []
