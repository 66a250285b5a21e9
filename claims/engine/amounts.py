"""Refund amounts per duty/tax/fee class.

A line's paid amounts are split into components (Chapter 1-97 duty, each Chapter 99 duty, internal revenue
taxes, MPF, HMF), each with its accounting class (CATAIR 43-record: 364 duty, 365 taxes, 398 HMF, 399 MPF),
whether it is eligible, and which part of it is "specific" (per unit of quantity, never reduced by the
lesser-of) and which "ad valorem".

The refund of a quantity q of line i (quantity Q) designated against export e is, per class c,

    rate x q/Q x (specific_c + ad_valorem_c x f)

where rate is 99% (100% where the law says so) and f the value factor:
- direct identification ((j)(1), (a), (c)): f = 1, reduced only by recovered materials in a destruction;
- substitution ((j)(2), (b)): f = min(1, value/unit of the exported or substituted article / entered value
  per unit of the line), the lesser-of of product decision 4;
- destruction: both values are first reduced by the recovered value per unit (19 U.S.C. 1313(x); 19 CFR
  190.11, 190.32(b)(2)), so f = max(0, min(U, u) - r) / U.

All of it is exact Decimal arithmetic in a 50-digit context; rounding to cents happens once per class of a
claim (product decision 6), in `claim_totals`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from functools import cached_property

from drawback.lib.chapter99 import Chapter99Table
from drawback.lib.hts import Rate, dotted, unit_codes
from drawback.lib.money import CENT, DRAWBACK_RATE, to_cents

from .model import ZERO, Export, ImportLine, MpfMode, Settings, Step
from .tariff import TariffIndex

# Enough digits that no intermediate of a claim loses anything that could move a cent.
EXACT = Context(prec=50)
FULL_RATE = Decimal("1")
FOUR_PLACES = Decimal("0.0001")

DUTY, TAX, HMF, MPF = "364", "365", "398", "399"
CLASS_NAMES = {DUTY: "duty", TAX: "taxes", HMF: "HMF", MPF: "MPF"}

# Provision families (catair.md section 2.1) and the rules that depend on them (section 2.2).
UNUSED = frozenset({"58", "59", "65", "66", "73", "74", "77"})
MANUFACTURING = frozenset({"51", "52", "61", "62", "71", "72", "75", "76"})
REJECTED = frozenset({"53", "54", "55", "56", "67", "68", "69", "70"})
SUBSTITUTION = frozenset({"52", "59", "66", "72", "73", "74", "75", "76", "77"})
# Product decision 7: MPF and HMF only on the unused-merchandise provisions. CATAIR-derived vendor logic
# also lists 76 (a manufacturing code); the decision's wording leaves it out.
FEES_CLAIMABLE = UNUSED
# 19 CFR 190.32(d)(2): wine under the alternative standard gets 99% of what was paid, no lesser-of.
NO_LESSER_OF = frozenset({"74"})
# 1313(d): the refund equals the internal revenue tax paid (no 1% reduction; legacy 19 CFR 191.106(c)).
HUNDRED_PERCENT = frozenset({"57"})

CIT_RATE = "19 U.S.C. 1313(l)(2); 19 CFR 190.51(b)(1)"
CIT_PUA = "19 CFR 190.2 (per unit averaging); 190.32(a)"
CIT_DI = "19 CFR 190.51(b)(1)(i)"
CIT_LESSER = "19 U.S.C. 1313(j)(2); 19 CFR 190.32(b)(1)"
CIT_LESSER_D = "19 U.S.C. 1313(j)(2), (x); 19 CFR 190.32(b)(2), 190.11"
CIT_RECOVERED = "19 U.S.C. 1313(x); 19 CFR 190.11"
CIT_FEES = "product decision 7; catair.md 2.2 (MPF/HMF claimable)"
CIT_TAX = "19 U.S.C. 1313(j)(1); 19 CFR 190.22(a)(1)(ii)(C), 190.32(b)(3)"
CIT_CH99 = "product decision 8; chapter99.md 3"
CIT_STRUCTURE = "19 CFR 190.51(b)(3); product decision 4"


def drawback_rate(provision: str, settings: Settings | None = None) -> Decimal:
    if provision in HUNDRED_PERCENT:
        return FULL_RATE
    return settings.drawback_rate if settings else DRAWBACK_RATE


@dataclass(frozen=True)
class Component:
    """One paid amount of a line and how the engine treats it."""

    accounting_class: str
    label: str
    amount: Decimal  # paid on the whole line
    specific: Decimal  # the part that is per unit of quantity (not reduced by the lesser-of)
    eligible: bool
    step: Step

    @property
    def ad_valorem(self) -> Decimal:
        return self.amount - self.specific


@dataclass(frozen=True)
class LineAmounts:
    """The components of one import line, for one provision family."""

    line: ImportLine
    components: tuple[Component, ...]
    warnings: tuple[str, ...] = ()

    @cached_property
    def eligible(self) -> tuple[Component, ...]:
        # Asked for every pair a line is designated to: worked out once (the components never change).
        return tuple(c for c in self.components if c.eligible and c.amount > 0)

    @property
    def specific_total(self) -> Decimal:
        return sum((c.specific for c in self.eligible), ZERO)

    @property
    def ad_valorem_total(self) -> Decimal:
        return sum((c.ad_valorem for c in self.eligible), ZERO)

    @property
    def refundable(self) -> bool:
        return any(True for _ in self.eligible)

    def steps(self) -> list[Step]:
        return [c.step for c in self.components]


NO_STEP = Step("", "")  # stands in for explanations not asked for (bulk runs build them on demand)


def duty_structure(
    line: ImportLine, rate: Rate | None, rate_from: str, *, explain: bool = True
) -> tuple[Decimal, Step]:
    """Split the Chapter 1-97 duty into its specific part and its ad valorem part (product decision 4).

    Specific: all of it. Ad valorem: none. Compound: the specific part is the specific rate times the line
    quantity (when the rate's unit is the line's unit), at most the duty; the rest is ad valorem. Anything
    else (Free with duty paid, text rates, no rate) is unknown: ad valorem at the effective rate.
    """
    duty = line.duty
    if not explain:
        return _specific_part(line, rate), NO_STEP
    where = f"{dotted(line.hts)} general rate '{rate.text}' (from {rate_from})" if rate else dotted(line.hts)
    if duty == 0:
        return ZERO, Step(CIT_STRUCTURE, f"duty under {where}: none paid")
    kind = rate.kind if rate else "unknown"
    if kind == "ad_valorem":
        return ZERO, Step(CIT_STRUCTURE, f"duty {duty} under {where}: ad valorem, subject to the lesser-of")
    if kind == "specific":
        return duty, Step(
            CIT_STRUCTURE, f"duty {duty} under {where}: specific, the same per unit on both sides"
        )
    if kind == "compound" and rate is not None:
        line_units = {line.uom.strip().upper()}
        parts = rate.specific
        if all(_unit_matches(p.unit, line_units) for p in parts):
            computed = sum((p.amount * line.quantity for p in parts), ZERO)
            specific = min(duty, computed)
            return specific, Step(
                CIT_STRUCTURE,
                f"duty {duty} under {where}: compound; specific part {specific} "
                f"({line.quantity} {line.uom} at the specific rate), ad valorem part {duty - specific}",
            )
        return ZERO, Step(
            CIT_STRUCTURE,
            f"duty {duty} under {where}: compound rate in a unit other than the line's {line.uom}; "
            "treated as ad valorem at the effective rate",
        )
    reason = "no rate in the tariff" if rate is None else f"rate form '{kind}'"
    return ZERO, Step(
        CIT_STRUCTURE,
        f"duty {duty} under {where}: {reason}; structure unknown, treated as ad valorem at the effective "
        f"rate "
        f"{_effective_rate(duty, line.entered_value)}",
    )


def _specific_part(line: ImportLine, rate: Rate | None) -> Decimal:
    """The specific part of the duty, as `duty_structure` decides it, without the explanation."""
    kind = rate.kind if rate else "unknown"
    if line.duty == 0 or kind not in ("specific", "compound"):
        return ZERO
    if kind == "specific":
        return line.duty
    line_units = {line.uom.strip().upper()}
    if all(_unit_matches(p.unit, line_units) for p in rate.specific):
        return min(line.duty, sum((p.amount * line.quantity for p in rate.specific), ZERO))
    return ZERO


def _unit_matches(unit: str, line_units: set[str]) -> bool:
    codes = {c.upper() for c in unit_codes(unit)} | {unit.strip().upper()}
    return bool(codes & line_units)


def _effective_rate(duty: Decimal, value: Decimal) -> str:
    if value == 0:
        return "(no entered value)"
    with localcontext(EXACT):
        return f"{(duty / value * 100).quantize(FOUR_PLACES)}%"


def line_amounts(
    line: ImportLine,
    *,
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    provision: str,
    explain: bool = True,
    decide=None,
) -> LineAmounts:
    """The components of a line for a provision: what counts, in which class, and its rate structure.

    `explain=False` leaves the steps out (they are rebuilt for the designations a reviewer opens); `decide`
    may replace `chapter99.decide` with a memoised one for bulk runs."""
    rate, rate_from = tariff.rate(line.hts)
    specific, structure = duty_structure(line, rate, rate_from, explain=explain)
    label = f"duty {dotted(line.hts)}" if explain else "duty"
    components = [Component(DUTY, label, line.duty, specific, True, structure)]
    warnings: list[str] = []
    decide = decide or chapter99.decide
    for ch in line.ch99:
        decision = decide(ch.number, line.import_date)
        components.append(
            Component(
                DUTY,
                f"{ch.number}" + (f" {decision.heading.program}" if decision.heading else ""),
                ch.amount,
                ZERO,  # amount only, no rate structure known: ad valorem (product decision 4)
                decision.eligible,
                Step(CIT_CH99, f"{ch.number} {ch.amount}: {decision.reason}") if explain else NO_STEP,
            )
        )
        if decision.warning:
            warnings.append(f"{ch.number}: {decision.warning}")
        ieepa = decision.heading and decision.heading.program.upper().startswith("IEEPA")
        if decision.eligible and ieepa and ch.amount:
            warnings.append(
                f"{ch.number}: IEEPA duties were held unauthorized (Feb 20, 2026); a CAPE refund and "
                "drawback cannot both recover the same dollars, and CAPE rejects entries tied to drawback"
            )
        if not decision.eligible and decision.heading and decision.heading.drawback_eligible == "unknown":
            warnings.append(f"{ch.number}: eligibility unknown, not claimed until a firm admin decides")
    if line.adcvd:
        components.append(
            Component(
                "",
                "AD/CVD",
                line.adcvd,
                ZERO,
                False,
                Step(
                    "19 U.S.C. 1677h; 19 CFR 182.42(a)",
                    f"antidumping/countervailing duty {line.adcvd}: never refunded as drawback",
                ),
            )
        )
    if line.other_taxes:
        # Internal revenue taxes paid on importation: refunded on the goods themselves (direct
        # identification). Under substitution the refund is limited to the tax paid on the substituted
        # goods, which the import data does not show: not claimed rather than claimed blind.
        tax_ok = provision not in SUBSTITUTION
        step = NO_STEP
        if explain:
            step = Step(
                CIT_TAX,
                f"internal revenue taxes {line.other_taxes} (class 365): claimable on the identified goods"
                if tax_ok
                else f"internal revenue taxes {line.other_taxes}: under substitution limited to the tax paid "
                "on the substituted goods, not known here; not claimed",
            )
        components.append(Component(TAX, "taxes", line.other_taxes, ZERO, tax_ok, step))
    fees_ok = provision in FEES_CLAIMABLE
    for klass, name, amount in ((MPF, "MPF", line.mpf), (HMF, "HMF", line.hmf)):
        if amount == 0:
            continue
        step = NO_STEP
        if explain:
            step = Step(
                CIT_FEES,
                f"{name} {amount} attributed to the line: claimable on provision {provision}"
                if fees_ok
                else f"{name} {amount}: not claimable on provision {provision}",
            )
        components.append(Component(klass, name, amount, ZERO, fees_ok, step))
    return LineAmounts(line, tuple(components), tuple(warnings))


@dataclass(frozen=True)
class ValueFactor:
    factor: Decimal
    step: Step | None


def factor_of(line: ImportLine, export: Export, *, lesser_of: bool) -> Decimal:
    """The value factor alone, without its explanation (bulk evaluation)."""
    with localcontext(EXACT):
        recovered = export.recovered_value if export.is_destruction else ZERO
        a = line.entered_value * export.quantity
        c = recovered * line.quantity
        if a == 0:
            return Decimal(1) if c == 0 else ZERO
        if not lesser_of and c == 0:
            return Decimal(1)
        top = min(a, export.value * line.quantity) if lesser_of else a
        return max(ZERO, top - c) / a


def value_factor(
    line: ImportLine,
    export: Export,
    *,
    lesser_of: bool,
) -> ValueFactor:
    """The factor applied to the ad valorem parts for this pair (see the module docstring)."""
    with localcontext(EXACT):
        q, big_q = export.quantity, line.quantity
        recovered = export.recovered_value if export.is_destruction else ZERO
        # Cross-multiplied so that nothing is divided until the end: U = EV/Q, u = V/q, r = R/q.
        a = line.entered_value * q  # U x Q x q
        b = export.value * big_q  # u x Q x q
        c = recovered * big_q  # r x Q x q
        if a == 0:
            # No entered value: nothing to compare and nothing to reduce, unless materials were recovered.
            factor = Decimal(1) if c == 0 else ZERO
        else:
            top = min(a, b) if lesser_of else a
            factor = max(ZERO, top - c) / a
        if not lesser_of and c == 0:
            return ValueFactor(Decimal(1), None)
        ev_unit = line.entered_value / big_q
        ex_unit = export.value / q
        rec_unit = recovered / q
        f4 = _show(factor)
        if lesser_of and c == 0:
            if b < a:
                text = (
                    f"lesser-of: export value/unit {ex_unit.quantize(FOUR_PLACES)} < entered value/unit "
                    f"{ev_unit.quantize(FOUR_PLACES)} -> ad valorem classes x {f4}"
                )
            else:
                text = (
                    f"lesser-of: export value/unit {ex_unit.quantize(FOUR_PLACES)} >= entered value/unit "
                    f"{ev_unit.quantize(FOUR_PLACES)} -> the duties paid on the import apply (x 1)"
                )
            return ValueFactor(factor, Step(CIT_LESSER, text))
        if lesser_of:
            text = (
                f"destruction, lesser-of after recovered materials: min(entered value/unit "
                f"{ev_unit.quantize(FOUR_PLACES)}, value/unit at destruction "
                f"{ex_unit.quantize(FOUR_PLACES)}) "
                f"less recovered value/unit {rec_unit.quantize(FOUR_PLACES)}, over entered value/unit "
                f"-> ad valorem classes x {f4}"
            )
            return ValueFactor(factor, Step(CIT_LESSER_D, text))
        text = (
            f"destruction: entered value/unit {ev_unit.quantize(FOUR_PLACES)} reduced by recovered "
            f"value/unit "
            f"{rec_unit.quantize(FOUR_PLACES)} -> ad valorem classes x {f4}"
        )
        return ValueFactor(factor, Step(CIT_RECOVERED, text))


def _show(value: Decimal) -> str:
    """Up to 6 decimals, trailing zeros dropped, for explanations."""
    text = f"{value.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def lesser_of_applies(provision: str) -> bool:
    """The lesser-of limits substitution claims ((j)(2), (b)), except wine under the alternative standard."""
    return provision in SUBSTITUTION and provision not in NO_LESSER_OF


def component_amounts(
    amounts: LineAmounts,
    quantity: Decimal,
    factor: Decimal,
    *,
    rate: Decimal,
    mpf_mode: MpfMode = MpfMode.EXACT,
) -> list[tuple[Component, Decimal]]:
    """Exact refund of each component (every component listed; ineligible ones earn zero)."""
    line = amounts.line
    out: list[tuple[Component, Decimal]] = []
    with localcontext(EXACT):
        share = quantity / line.quantity
        for comp in amounts.components:
            if not comp.eligible or comp.amount <= 0:
                value = ZERO
            elif comp.accounting_class == MPF and mpf_mode == MpfMode.CFR_EXAMPLE:
                per_unit = mpf_per_unit(comp.amount, line.quantity, rate=rate, mode=mpf_mode)
                value = quantity * per_unit * factor
            else:
                value = rate * share * (comp.specific + comp.ad_valorem * factor)
            out.append((comp, value))
    return out


def pair_amounts(
    amounts: LineAmounts,
    quantity: Decimal,
    factor: Decimal,
    *,
    rate: Decimal,
    mpf_mode: MpfMode = MpfMode.EXACT,
) -> dict[str, Decimal]:
    """Exact refund per accounting class of `quantity` units of the line at value factor `factor`."""
    line = amounts.line
    out: dict[str, Decimal] = {}
    with localcontext(EXACT):
        share = quantity / line.quantity
        for comp in amounts.eligible:
            if comp.accounting_class == MPF and mpf_mode == MpfMode.CFR_EXAMPLE:
                per_unit = mpf_per_unit(comp.amount, line.quantity, rate=rate, mode=mpf_mode)
                value = quantity * per_unit * factor
            else:
                value = rate * share * (comp.specific + comp.ad_valorem * factor)
            out[comp.accounting_class] = out.get(comp.accounting_class, ZERO) + value
    return out


def mpf_per_unit(
    mpf_on_line: Decimal, units: Decimal, *, rate: Decimal = DRAWBACK_RATE, mode: MpfMode = MpfMode.EXACT
) -> Decimal:
    """Eligible MPF per unit: 99% of the line's MPF over its units (19 CFR 190.51(b)(2) steps 3-4).

    EXACT keeps it unrounded. CFR_EXAMPLE follows the printed examples: the 99% amount and the per-unit
    amount each rounded half-up to four decimals (71.3435 -> 70.6301 -> $.0141 a unit).
    """
    with localcontext(EXACT):
        if mode == MpfMode.CFR_EXAMPLE:
            eligible = (rate * mpf_on_line).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
            return (eligible / units).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
        return rate * mpf_on_line / units


def sum_classes(rows: Iterable[Mapping[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    with localcontext(EXACT):
        for row in rows:
            for klass, value in row.items():
                totals[klass] = totals.get(klass, ZERO) + value
    return totals


def round_class(total: Decimal, exact: Fraction | None = None) -> Decimal:
    """Round one class total half-up to cents (product decision 6).

    The 50-digit total can only mislead when the exact value sits on a half cent; then `exact`, when given,
    decides.
    """
    if exact is not None and _near_half_cent(total):
        cents = exact * 100
        whole = cents.numerator // cents.denominator
        frac = cents - whole
        return (Decimal(whole) + (1 if frac >= Fraction(1, 2) else 0)) * CENT
    return to_cents(total)


def _near_half_cent(total: Decimal) -> bool:
    with localcontext(EXACT):
        scaled = total * 100
        frac = scaled - scaled.to_integral_value(rounding="ROUND_FLOOR")
        return abs(frac - Decimal("0.5")) < Decimal("1e-30")


def claim_totals(class_totals: Mapping[str, Decimal]) -> tuple[dict[str, Decimal], Decimal]:
    """Each class rounded once, half-up, to cents; the claim refund is their sum."""
    rounded = {k: to_cents(v) for k, v in sorted(class_totals.items())}
    return rounded, sum(rounded.values(), ZERO)


def usmca_lesser_of(us_duty: Decimal, foreign_duty: Decimal, *, rate: Decimal = DRAWBACK_RATE) -> Decimal:
    """Goods subject to USMCA drawback under (a)/(b): 99% of the lesser of the US duty and the duty paid in
    Canada or Mexico (19 U.S.C. 1313(n)(2); 19 CFR 182.44). Same-condition (j)(1) exports are not capped."""
    with localcontext(EXACT):
        return rate * min(us_duty, foreign_duty)


def full_rate_refund(tax_paid: Decimal) -> Decimal:
    """1313(d): the internal revenue tax paid on the domestic alcohol used, at 100%."""
    return tax_paid
