"""Template helpers for lists: links that keep the current filters, sortable headers, money and codes."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from drawback.lib.hts import dotted
from drawback.lib.money import format_usd

register = template.Library()


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one). Changing anything but
    the cursor starts again at the first page."""
    params = context["request"].GET.copy()
    if any(key != "cursor" for key in changes):
        params.pop("cursor", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, default: str = "") -> str:
    """A column heading that sorts by `key`, and reverses when it already does."""
    current = context["request"].GET.get("sort") or default
    if current == key:
        target, arrow, state = f"-{key}", " ▲", "ascending"
    elif current == f"-{key}":
        target, arrow, state = key, " ▼", "descending"
    else:
        target, arrow, state = key, "", "none"
    href = query(context, sort=target)
    return format_html('<a href="{}" aria-sort="{}">{}{}</a>', href, state, label, arrow)


@register.filter
def usd(value: Decimal | None) -> str:
    return format_usd(value)


@register.filter
def hts_dotted(value: str) -> str:
    return dotted(value) if value and len(value) in (8, 10) else value


@register.filter
def quantity(value: Decimal | None) -> str:
    """A quantity without trailing zeros: 100.0000 -> 100, 12.5000 -> 12.5."""
    if value is None:
        return ""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def lookup(mapping: dict, key):
    """`{{ decisions|lookup:row.pk }}`: a dict value by key in a template."""
    return mapping.get(key) if mapping else None


@register.filter
def minutes(value) -> int:
    """A timedelta in whole minutes, rounded up (a lock-out of 14m30s reads "15 minutes")."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)
