"""Template filters for the claim building pages."""

from decimal import Decimal, InvalidOperation

from django import template

from drawback.lib.entry_numbers import display

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros: `80.0000` -> `80`, `12.5000` -> `12.5`."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except InvalidOperation:
        return str(value)


@register.filter
def entry(number: str) -> str:
    """`B7603245278` -> `B76-0324527-8`."""
    return display(number or "")
