"""FAQ answers: Markdown written by staff, shown as HTML that can hold nothing but text formatting.

Markdown passes raw HTML through, so its output is sanitised with nh3 (the Ammonia sanitiser): only the
tags and attributes below survive, links keep http(s) and mailto addresses only and get rel="nofollow
noopener noreferrer". A script, an event handler or a javascript: link in an answer is removed, never run.
"""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised just above
