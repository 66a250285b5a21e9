"""Manufacturing drawback 1313(a)/(b) with bills of materials, and rejected merchandise 1313(c).

The basis of claim decides the quantity of imported (or substituted) merchandise designated per exported
article (19 CFR 190.23(a)):
- used in: the quantity used to make the article (no waste, or valueless waste);
- used in less valuable waste: the quantity used, less the quantity of merchandise the waste's value would
  replace;
- relative value: co-products share the merchandise by their value at separation (1313(a) last sentence;
  19 CFR 190.2, 190.22(e));
- appearing in: only the quantity contained in the exported article.
The refund per designated unit then follows `amounts`: direct identification (a) at the paid amounts, the
substitution (b) lesser-of against the substituted merchandise's cost (19 CFR 190.11(d), 190.22(a)(1)(ii)),
no MPF/HMF (product decision 7), and the USMCA lesser-of for goods exported to Canada or Mexico.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum

from drawback.lib.money import DRAWBACK_RATE

from .amounts import EXACT, usmca_lesser_of
from .model import ZERO, Step

CIT_BASIS = "19 CFR 190.23(a)"
CIT_WASTE = "19 CFR 190.23(a)(2), (c)"
CIT_RELATIVE = "19 U.S.C. 1313(a); 19 CFR 190.2 (relative value), 190.22(e)"
CIT_APPEARING = "19 CFR 190.23(a)(4)"
CIT_LESSER_B = "19 U.S.C. 1313(l)(2)(C); 19 CFR 190.22(a)(1)(ii), 190.11(d)"
CIT_USMCA = "19 U.S.C. 1313(n)(2); 19 CFR 182.44"
CIT_SOUGHT = "19 U.S.C. 1313(b)(4); 19 CFR 190.26(b)(4)"
CIT_REJECTED = "19 U.S.C. 1313(c)(1); 19 CFR 190.51(b)(1)(i)"


class Basis(StrEnum):
    USED_IN = "used_in"
    USED_IN_LESS_WASTE = "used_in_less_waste"
    RELATIVE_VALUE = "relative_value"
    APPEARING_IN = "appearing_in"


@dataclass(frozen=True)
class BillOfMaterials:
    """Quantity of a merchandise (by its 8-digit HTS) per unit of the exported article."""

    merchandise_hts8: str
    quantity_per_article: Decimal
    basis: Basis = Basis.USED_IN


@dataclass(frozen=True)
class Waste:
    quantity: Decimal
    value: Decimal  # market value of the waste
    merchandise_value_per_unit: Decimal  # market value of the merchandise used, per unit


@dataclass(frozen=True)
class CoProduct:
    name: str
    quantity: Decimal
    unit_value: Decimal  # market value at separation, per unit
    exported: bool


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    steps: tuple[Step, ...]


def designated_quantity(bom: BillOfMaterials, articles: Decimal) -> Quantity:
    """Merchandise designated for exported articles: articles x quantity per article."""
    with localcontext(EXACT):
        qty = articles * bom.quantity_per_article
    cite = CIT_APPEARING if bom.basis == Basis.APPEARING_IN else CIT_BASIS
    return Quantity(
        qty,
        (Step(cite, f"{articles} articles x {bom.quantity_per_article} per article ({bom.basis}) = {qty}"),),
    )


def less_valuable_waste(used: Decimal, waste: Waste) -> Quantity:
    """Quantity used, less the quantity of merchandise that the waste's value would replace."""
    with localcontext(EXACT):
        replaced = (
            waste.value / waste.merchandise_value_per_unit if waste.merchandise_value_per_unit else ZERO
        )
        qty = max(ZERO, used - replaced)
    return Quantity(
        qty,
        (
            Step(
                CIT_WASTE,
                f"waste worth {waste.value} replaces {replaced} units at {waste.merchandise_value_per_unit} "
                f"per unit: {used} used - {replaced} = {qty}",
            ),
        ),
    )


@dataclass(frozen=True)
class Share:
    ratio: Decimal
    steps: tuple[Step, ...]


def relative_value_share(products: Sequence[CoProduct]) -> Share:
    """Share of the drawback that follows the exported co-products: their value over all values at
    separation."""
    with localcontext(EXACT):
        total = sum((p.quantity * p.unit_value for p in products), ZERO)
        exported = sum((p.quantity * p.unit_value for p in products if p.exported), ZERO)
        ratio = exported / total if total else ZERO
    parts = ", ".join(f"{p.name} {p.quantity} x {p.unit_value}" for p in products)
    return Share(ratio, (Step(CIT_RELATIVE, f"values at separation {parts}; exported share {ratio}"),))


def substitution_manufacturing_per_unit(
    *,
    duty_per_unit: Decimal,
    entered_value_per_unit: Decimal,
    substituted_cost_per_unit: Decimal,
    specific_per_unit: Decimal = ZERO,
) -> tuple[Decimal, Step]:
    """1313(b) lesser-of per designated unit: the import's ad valorem duty at the lower of its entered value
    and the substituted merchandise's cost; specific duty unchanged."""
    with localcontext(EXACT):
        ad_valorem = duty_per_unit - specific_per_unit
        if entered_value_per_unit == 0:
            factor = Decimal(1)
        else:
            factor = min(Decimal(1), substituted_cost_per_unit / entered_value_per_unit)
        value = specific_per_unit + ad_valorem * factor
    return value, Step(
        CIT_LESSER_B,
        f"substituted cost/unit {substituted_cost_per_unit} vs entered value/unit {entered_value_per_unit}: "
        f"ad valorem duty x {factor}",
    )


def usmca_manufacturing_refund(
    us_duty: Decimal, foreign_duty: Decimal, *, rate: Decimal = DRAWBACK_RATE
) -> tuple[Decimal, Step]:
    value = usmca_lesser_of(us_duty, foreign_duty, rate=rate)
    return value, Step(
        CIT_USMCA,
        f"{rate * 100:.0f}% of the lesser of US duty {us_duty} and the duty paid in Canada/Mexico "
        f"{foreign_duty}",
    )


@dataclass(frozen=True)
class SoughtElement:
    available_element: Decimal  # quantity of the element in the designated merchandise
    duty_per_unit: Decimal  # duty per unit of the imported material
    maximum: Decimal  # 99% of the duty attributable to the available element
    refund: Decimal
    steps: tuple[Step, ...]


def sought_chemical_element(
    *,
    material_quantity: Decimal,
    duty_paid: Decimal,
    compound_share: Decimal,
    element_share: Decimal,
    exported_element: Decimal,
    rate: Decimal = DRAWBACK_RATE,
) -> SoughtElement:
    """1313(b)(4): the element substitutes for its source material regardless of classification; the duty
    per unit of material follows the element, up to what the designated material contained."""
    with localcontext(EXACT):
        compound = material_quantity * compound_share
        element = compound * element_share
        per_unit = duty_paid / material_quantity
        maximum = rate * element * per_unit
        refund = rate * min(exported_element, element) * per_unit
    return SoughtElement(
        element,
        per_unit,
        maximum,
        refund,
        (
            Step(
                CIT_SOUGHT,
                f"{material_quantity} x {compound_share} = {compound} compound; x {element_share} = "
                f"{element} "
                f"element; duty {per_unit} per unit of material; exported element {exported_element}",
            ),
        ),
    )


def rejected_merchandise_refund(
    *, duty_paid: Decimal, line_quantity: Decimal, exported: Decimal, rate: Decimal = DRAWBACK_RATE
) -> tuple[Decimal, Step]:
    """1313(c): 99% of the duty on the units returned and exported or destroyed; no MPF/HMF (decision 7)."""
    with localcontext(EXACT):
        value = rate * duty_paid * exported / line_quantity
    return value, Step(
        CIT_REJECTED,
        f"{rate * 100:.0f}% x duty {duty_paid} x {exported}/{line_quantity}; MPF/HMF not claimable",
    )
