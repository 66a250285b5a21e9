"""Template helpers of the prospects' pages: the staff's new-leads count, whole-dollar amounts."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from ..selectors import new_lead_count

register = template.Library()


@register.simple_tag(takes_context=True)
def new_leads(context) -> int:
    request = context.get("request")
    return new_lead_count(user=request.user) if request else 0


@register.filter
def dollars(value) -> str:
    """`$12,300` for an estimate shown to the dollar (the figures are ranges, cents would be noise)."""
    if value in (None, ""):
        return ""
    whole = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if whole < 0 else ""
    return f"{sign}${abs(whole):,}"
