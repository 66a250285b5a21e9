"""The content of a CATAIR claim file as plain data: what the writer renders and what the parser reads back.

Values are already in their filed form (upper case, trimmed to the field width, amounts in cents), so a
claim that is written and parsed again compares equal field by field. Pure Python: no Django imports.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# 90-record cross-footing (CAT27 p. 77, Note 1): duty = 364 + 369; IR tax = 365 + 674 + 675 + 374;
# user fee = every other class.
DUTY_CLASSES = frozenset({"364", "369"})
IR_TAX_CLASSES = frozenset({"365", "674", "675", "374"})


def total_group(accounting_class: str) -> str:
    if accounting_class in DUTY_CLASSES:
        return "duty"
    if accounting_class in IR_TAX_CLASSES:
        return "ir_tax"
    return "user_fee"


@dataclass
class Quantity:
    """A 42-record."""

    quantity: Decimal
    uom: str
    entered_value_per_unit: Decimal
    substituted_value_per_unit: Decimal | None = None
    allowable_quantity: Decimal | None = None


@dataclass
class Classification:
    """A 41-record with its 42-records."""

    hts: str
    description: str
    quantities: list[Quantity] = field(default_factory=list)


@dataclass
class Revenue:
    """A 43-record: one accounting class of one import grouping, in dollars and cents."""

    accounting_class: str
    claim_amount: Decimal
    calculated_amount: Decimal


@dataclass
class ImportItem:
    """A 40-record grouping: one designated import entry-summary line, tracked by its ITIN."""

    action: str
    filer_code: str
    entry_number: str  # 7 digits + check digit
    line_number: int
    itin: int
    accounting_method: str
    classifications: list[Classification] = field(default_factory=list)
    revenues: list[Revenue] = field(default_factory=list)
    manufacture_ruling: str = ""  # manufacturing provisions: the ruling's number
    basis_of_claim: str = ""  # 01 used in ... 08 (catair.md 1.5)


@dataclass
class ManufacturedItem:
    """A 50-record grouping: an article made from the designated imports, tracked by its MTIN."""

    action: str  # E exported, D destroyed
    manufacture_ruling: str
    hts: str
    quantity: Decimal
    uom: str
    production_date: dt.date | None
    factory_location: str
    description: str
    mtin: int
    itins: list[int] = field(default_factory=list)  # 52-records: the imports used to make it


@dataclass
class ExportItem:
    """A 70-record grouping (TFTEA), or 60 for a core claim: one exportation or destruction."""

    indicator: str  # E export, D destroy
    hts: str
    quantity: Decimal
    uom: str
    date: dt.date
    exporter_name: str
    description: str
    unique_identifier: str
    country: str = ""
    notice_of_intent: bool = False
    waiver_of_rights: bool = False
    bol_indicator: bool = False
    bol_carrier: str = ""
    schedule_b: bool = False
    itins: list[int] = field(default_factory=list)
    core: bool = False
    mtins: list[int] = field(default_factory=list)  # 73-records: the manufactured articles exported


@dataclass
class Bond:
    """The 31-record."""

    bond_type: str  # 8 continuous, 9 single transaction
    surety_code: str
    designation: str = "B"
    amount: int | None = None  # whole dollars, single-transaction bonds only
    number: str = ""


@dataclass
class ClaimHeader:
    """The 10-record."""

    action: str
    filer_code: str
    entry_number: str
    port: str
    provision: str
    claimant_id: str
    broker_reference: str = ""
    bond_waiver: str = ""
    bond_waiver_reason: str = ""
    accelerated_payment: bool = False
    one_time_waiver: bool = False
    waiver_prior_notice: bool = False
    commercial_ruling: str = ""
    petroleum_certification: bool = False
    manufacturing_petroleum_certification: bool = False
    oil_spill_certification: bool = False
    nafta: bool = False
    electronic_signature: bool = True
    notify_party: str = ""
    wine_certification: bool = False
    bom_certification: bool = False
    destroyed_valuation_certification: bool = False
    usmca: bool = False
    retail_substitution: bool = False
    superfund_certification: bool = False

    @property
    def claim_number(self) -> str:
        return f"{self.filer_code}{self.entry_number}"


@dataclass
class ClaimFile:
    """One drawback entry summary transaction: the 10-record and everything it owns up to its 90-record."""

    header: ClaimHeader
    bond: Bond | None = None
    imports: list[ImportItem] = field(default_factory=list)
    manufactured: list[ManufacturedItem] = field(default_factory=list)
    exports: list[ExportItem] = field(default_factory=list)
    # 89-records, in filing order: {accounting class: total claimed}.
    class_totals: dict[str, Decimal] = field(default_factory=dict)
    duty_total: Decimal = Decimal("0.00")
    user_fee_total: Decimal = Decimal("0.00")
    ir_tax_total: Decimal = Decimal("0.00")
    # Records the writer does not produce (53, 62-64), kept by the parser as (code, values).
    other_records: list[tuple[str, dict]] = field(default_factory=list)
    # Writer only: per class, what the claim's rounded total exceeds the filed total by (see amounts.py).
    shortfalls: dict[str, Decimal] = field(default_factory=dict, compare=False)

    @property
    def grand_total(self) -> Decimal:
        return sum(self.class_totals.values(), Decimal("0.00"))

    def revenue_sums(self) -> dict[str, Decimal]:
        """Per class, the sum of the 43-records (what the 89-records must equal, PF-14)."""
        sums: dict[str, Decimal] = {}
        for item in self.imports:
            for rev in item.revenues:
                previous = sums.get(rev.accounting_class, Decimal("0.00"))
                sums[rev.accounting_class] = previous + rev.claim_amount
        return sums


@dataclass
class Envelope:
    """The A/Z batch records: who sends the file, and when."""

    site_code: str
    sender_id: str
    transmission_date: dt.date | None
    password: str = ""
    office_code: str = ""
    user_data: str = ""


@dataclass
class Block:
    """A B...Y block: claims processed at one port for one filer code."""

    port: str
    filer_code: str
    claims: list[ClaimFile] = field(default_factory=list)
    filer_office: str = ""
    user_data: str = ""


@dataclass
class CatairFile:
    """A whole transmission: one batch of blocks."""

    envelope: Envelope
    blocks: list[Block] = field(default_factory=list)

    @property
    def claims(self) -> list[ClaimFile]:
        return [claim for block in self.blocks for claim in block.claims]
