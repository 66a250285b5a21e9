"""Template filters for claim pages: money as dollars, explanation steps as text."""

from decimal import Decimal, InvalidOperation

from django import template

from drawback.lib.money import format_usd

register = template.Library()


@register.filter
def usd(value) -> str:
    """`1234.5` -> `$1,234.50` (display only; amounts stay exact underneath)."""
    if value in (None, ""):
        return ""
    try:
        return format_usd(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


@register.filter
def step_text(step) -> str:
    """One explanation step, whether stored as text or as {"text": ..., "rule": ...}."""
    if isinstance(step, dict):
        text = step.get("text") or step.get("step") or ", ".join(f"{k}: {v}" for k, v in step.items())
        cite = step.get("citation") or step.get("rule")
        return f"{text} ({cite})" if cite and cite not in text else text
    return str(step)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.inclusion_tag("claims/_accelerated_payment.html")
def accelerated_payment_panel(claim) -> dict:
    """The claim's accelerated payment request with the client's privilege and bond headroom. The buttons
    that ask for it or stop are the claim's actions (claims.selectors.claim_actions)."""
    from claims.privileges.selectors import bond_position
    from drawback.lib.money import ZERO

    bond = bond_position(client=claim.client, on=claim.filed_on, exclude_claim=claim)
    total = sum((t.claim_amount for t in claim.class_totals.all()), ZERO)
    return {"claim": claim, "bond": bond, "carries": bond is None or bond.carries(total)}


def _six_places(value) -> str:
    """At most six decimals, no trailing zeros (display only)."""
    text = f"{Decimal(str(value)).quantize(Decimal('0.000001')):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def unit_usd(value) -> str:
    """A value per unit, kept to six decimals: `4.2` -> `$4.20`, `0.1234565` -> `$0.123457`."""
    if value in (None, ""):
        return ""
    text = _six_places(value)
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


@register.filter
def six_places(value) -> str:
    """A quantity or share worked out exactly, shown to six decimals: 3.9310344827... -> 3.931034."""
    return "" if value in (None, "") else _six_places(value)
