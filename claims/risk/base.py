"""What every risk rule shares: the draft a rule produces, the context it reads, and line amounts.

Rules read through querysets with values()/iterator() and set-based filters so that a client with a
million import lines is assessed in a few passes, never one query per row. What they need from more than
one place (the tariff, the Chapter 99 table, filer offsets, refund at stake per line) is loaded once here.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from claims.eligibility import line_eligibility
from drawback.accounts.models import Client
from drawback.lib.chapter99 import Chapter99Table, Heading
from drawback.lib.dates import ExportWindow
from drawback.lib.hts import Rate, parse_rate, unit_codes
from drawback.lib.money import ZERO, format_usd, to_cents
from imports.models import Chapter99Heading, FilerCodeOffset, ImportLine, LineCh99Duty, TariffLine

# SQLite allows 32,766 bound parameters per statement; stay far below it.
BATCH = 900


class Severity:
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class FindingDraft:
    """One finding as a rule produces it; the assessment turns drafts into stored Findings.

    `subject` names what the finding is about in business terms (entry number, entry/line, export
    reference), stable across re-assessments; `basis` is the stable part of the reason: when it changes,
    an acknowledged warning is reopened. The message may carry figures that change every day.
    """

    rule: str
    severity: str
    subject: str
    message: str
    basis: str = ""
    amount: Decimal | None = None
    entry_id: int | None = None
    line_id: int | None = None
    export_id: int | None = None

    @property
    def fingerprint(self) -> str:
        return f"{self.rule}:{self.subject}"[:200]


@dataclass(frozen=True)
class TariffRow:
    hts: str
    begins_with_other: bool
    units: tuple[str, ...]
    general_rate: str


@dataclass
class Tolerance:
    """How far a recorded duty may differ from the recomputed one before it is flagged."""

    absolute: Decimal = Decimal("1.00")
    percent: Decimal = Decimal("1")

    def allows(self, *, expected: Decimal, recorded: Decimal) -> bool:
        return abs(recorded - expected) <= max(self.absolute, abs(expected) * self.percent / 100)

    @classmethod
    def from_settings(cls) -> "Tolerance":
        return cls(
            absolute=Decimal(str(getattr(settings, "RISK_DUTY_TOLERANCE_USD", "1.00"))),
            percent=Decimal(str(getattr(settings, "RISK_DUTY_TOLERANCE_PERCENT", "1"))),
        )


def chunks(items: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def line_subject(entry_number: str, line_number: int) -> str:
    return f"line:{entry_number}/{line_number}"


def line_label(entry_number: str, line_number: int) -> str:
    n = entry_number
    shown = f"{n[:3]}-{n[3:10]}-{n[10:]}" if len(n) == 11 else n
    return f"entry {shown} line {line_number}"


def usd(value: Decimal | None) -> str:
    return format_usd(value) if value is not None else "n/a"


def qty(value: Decimal) -> str:
    """`100.0000` -> `100`, `12.5000` -> `12.5`."""
    return f"{value.normalize():f}"


def expected_duty(rate: Rate, *, entered_value: Decimal, quantity: Decimal, uom: str) -> Decimal | None:
    """The Chapter 1-97 duty the general rate gives, or None when it cannot be computed.

    Ad valorem x entered value; specific x quantity only when the rate's unit is the line's unit (the
    line carries one quantity); compound = both (19 CFR 190.51(b)(3) Example 3 adds the two parts).
    """
    if not rate.parsed:
        return None
    if rate.free:
        return ZERO
    duty = rate.ad_valorem * entered_value
    for part in rate.specific:
        if part.unit.upper() != uom.upper():
            return None
        duty += part.amount * quantity
    return duty


class RiskContext:
    """Everything an assessment of one client reads more than once, loaded lazily and once."""

    def __init__(
        self,
        *,
        client: Client,
        today: dt.date,
        tolerance: Tolerance | None = None,
        expiry_warning_days: int | None = None,
    ):
        self.client = client
        self.today = today
        self.tolerance = tolerance or Tolerance.from_settings()
        self.expiry_warning_days = (
            expiry_warning_days
            if expiry_warning_days is not None
            else int(getattr(settings, "RISK_EXPIRY_WARNING_DAYS", 90))
        )
        self.window = ExportWindow(client.firm.export_window)
        self.amounts = LineAmounts(self)
        # Rules that could not run (e.g. no tariff loaded): their earlier findings are left as they are.
        self.skipped: set[str] = set()
        self._rates: dict[str, Rate | None] = {}

    def skip(self, rule: str) -> None:
        self.skipped.add(rule)

    @cached_property
    def tariff(self) -> dict[str, TariffRow]:
        rows = {}
        for hts, other, unit_text, uom, rate in TariffLine.objects.values_list(
            "hts", "begins_with_other", "unit_of_quantity", "uom", "general_rate"
        ).iterator(chunk_size=5000):
            units = unit_codes(unit_text)
            if uom and uom not in units:
                units = [uom, *units]
            rows[hts] = TariffRow(hts, other, tuple(units), rate or "")
        return rows

    def tariff_units(self, hts: str) -> tuple[str, ...]:
        """Units of a 10-digit line; an 8-digit subheading without statistical lines carries its own."""
        row = self.tariff.get(hts)
        if row and row.units:
            return row.units
        parent = self.tariff.get(hts[:8])
        return parent.units if parent else ()

    def rate(self, hts: str) -> Rate | None:
        """The general rate of a 10-digit number: published on the 8-digit row, stat lines inherit it."""
        if hts not in self._rates:
            row, parent = self.tariff.get(hts), self.tariff.get(hts[:8])
            text = (row.general_rate if row else "") or (parent.general_rate if parent else "")
            self._rates[hts] = parse_rate(text) if (row or parent) and text else None
        return self._rates[hts]

    @cached_property
    def chapter99(self) -> Chapter99Table:
        return Chapter99Table(
            Heading(
                program=h.program,
                ch99_from=h.ch99_from,
                ch99_to=h.ch99_to,
                effective_from=h.effective_from,
                effective_to=h.effective_to,
                drawback_eligible=h.drawback_eligible,
                basis=h.basis,
            )
            for h in Chapter99Heading.objects.all()
        )

    @cached_property
    def filer_offsets(self) -> dict[str, int]:
        return dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))


# What the refund at stake of a line is computed from, in this order (see with_amount_fields).
AMOUNT_FIELDS = (
    "id",
    "entry_id",
    "quantity",
    "quantity_available",
    "duty",
    "mpf",
    "hmf",
    "other_taxes",
    "ch99_date",
)


def with_amount_fields(lines: QuerySet) -> QuerySet:
    """Lines annotated with the date the Chapter 99 table is read against: the entry date, else the
    import date (product decision 8)."""
    return lines.annotate(ch99_date=Coalesce(F("entry__entry_date"), F("import_date")))


@dataclass
class _LineAmount:
    entry_id: int
    refund: Decimal


@dataclass
class LineAmounts:
    """Refund at stake per import line: 99% of the eligible amount per unit x quantity still available.

    Computed on the unused-merchandise basis (MPF/HMF included, no lesser-of cap): the most the line can
    still bring. Computed in batches only for the lines and entries that findings are about; a rule that
    already streams the lines passes their rows to `add_rows` instead of having them read again.
    """

    ctx: RiskContext
    _lines: dict[int, _LineAmount] = field(default_factory=dict)
    _entries: dict[int, Decimal] = field(default_factory=dict)

    def for_lines(self, line_ids: Iterable[int]) -> dict[int, Decimal]:
        ids = set(line_ids)
        missing = [i for i in ids if i not in self._lines]
        for batch in chunks(missing):
            self._load(ImportLine.objects.filter(client=self.ctx.client, id__in=batch))
        return {i: to_cents(self._lines[i].refund) for i in ids if i in self._lines}

    def for_entries(self, entry_ids: Iterable[int]) -> dict[int, Decimal]:
        ids = set(entry_ids)
        missing = [i for i in ids if i not in self._entries]
        for batch in chunks(missing):
            loaded = self._load(ImportLine.objects.filter(client=self.ctx.client, entry_id__in=batch))
            totals = dict.fromkeys(batch, ZERO)
            for amount in loaded.values():
                totals[amount.entry_id] += amount.refund
            self._entries.update(totals)
        return {i: to_cents(self._entries[i]) for i in ids}

    def add_rows(self, rows: list[tuple]) -> dict[int, Decimal]:
        """Refund at stake, in cents, of lines given as AMOUNT_FIELDS tuples (at most BATCH of them)."""
        return {line_id: to_cents(amount.refund) for line_id, amount in self._compute(rows).items()}

    def _load(self, lines: QuerySet) -> dict[int, _LineAmount]:
        return self._compute(list(with_amount_fields(lines).values_list(*AMOUNT_FIELDS)))

    def _compute(self, rows: list[tuple]) -> dict[int, _LineAmount]:
        ch99: dict[int, list[tuple[str, Decimal]]] = {}
        for line_id, number, amount in (
            LineCh99Duty.objects.filter(line_id__in=[r[0] for r in rows])
            .order_by("line_id", "ordinal")
            .values_list("line_id", "number", "amount")
        ):
            ch99.setdefault(line_id, []).append((number, amount))
        computed = {}
        for line_id, entry_id, qty, available, duty, mpf, hmf, other, ch99_date in rows:
            eligibility = line_eligibility(
                duty=duty,
                mpf=mpf,
                hmf=hmf,
                other_taxes=other,
                ch99=ch99.get(line_id, ()),
                entry_date=ch99_date,
                table=self.ctx.chapter99,
            )
            computed[line_id] = _LineAmount(
                entry_id, eligibility.refund(quantity=available, line_quantity=qty)
            )
        self._lines.update(computed)
        return computed
