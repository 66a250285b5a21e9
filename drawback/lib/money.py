"""Money helpers. Amounts are Decimal from text to total; rounding to cents happens only here.

No Django imports: the claims engine uses this module too.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0")
DRAWBACK_RATE = Decimal("0.99")  # 19 U.S.C. 1313(l)(2)(B)-(C); 19 CFR 190.51(b)(1)


class MoneyFormatError(ValueError):
    pass


def to_cents(value: Decimal) -> Decimal:
    """Round half-up to cents (19 CFR 190.51(a)(2)(vii): amounts per class to two decimals)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str | None, *, allow_negative: bool = False) -> Decimal | None:
    """Parse `$1,234.56`, `1234.56`, `(12.00)` or blank (None) into Decimal, never through float."""
    if text is None:
        return None
    cleaned = str(text).strip()
    if cleaned == "":
        return None
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()
    if cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:].strip()
    cleaned = cleaned.replace("$", "").replace(",", "").replace(" ", "")
    if cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:]
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyFormatError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise MoneyFormatError(f"not an amount: {text!r}")
    if negative:
        value = -value
    if value < 0 and not allow_negative:
        raise MoneyFormatError(f"negative amount not allowed: {text!r}")
    return value


def parse_decimal(text: str | None) -> Decimal | None:
    """Parse a plain decimal quantity such as `1,250.5`; blank gives None."""
    if text is None or str(text).strip() == "":
        return None
    cleaned = str(text).strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyFormatError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise MoneyFormatError(f"not a number: {text!r}")
    return value


def format_usd(value: Decimal | None) -> str:
    """`$1,234.56` for display; None shows as an empty string."""
    if value is None:
        return ""
    rounded = to_cents(value)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"
