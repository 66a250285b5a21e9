"""From lines and exports to a designation problem: direct identification settled, substitution grouped.

Direct identification (decided here, the same for every method):
- An export that names an import line (entry and line number) is a (j)(1) export of that line, provision 58.
- It is eligible when the line may still be designated (claim window, no earlier substitution election), the
  export is within the line's 5-year window, not before the import, before the claim, and in the line's unit.
  An ineligible direct-identification export is excluded with its reason; it does not fall back to
  substitution, because the export itself says its goods came from that line.
- A line is used by one method only (19 CFR 190.51(a)(3)). A line named by an eligible, earning export that
  could not serve substitution anyway becomes a direct-identification line here: what is left of it after its
  direct-identification exports is not used for substitution. A line that could serve either is "contested":
  its direct identifications are worked out here (`DirectChoice`) and the optimizer decides which method
  refunds more over the whole claim; when it takes substitution, its direct-identification exports are not
  claimed. The accounting orders (FIFO, LIFO, low-to-high) keep such a line with direct identification.
- When the exports naming a line ask for more than the line has left, the line's quantity goes to the exports
  with the highest refund per unit first (they differ only by recovered materials in a destruction), then by
  export date and reference; the rest of those exports is excluded as exceeding the line.

Substitution (j)(2), provision 59: every other export, grouped by the number substitutes must share (8 digits,
or 10 under the "Other" rule) and the unit of measure. Groups are independent problems.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from drawback.lib import dates
from drawback.lib.chapter99 import Chapter99Table

from . import eligibility as rules
from .amounts import (
    EXACT,
    MPF,
    LineAmounts,
    drawback_rate,
    factor_of,
    line_amounts,
    mpf_per_unit,
    pair_amounts,
)
from .model import (
    ZERO,
    Designation,
    Election,
    Exclusion,
    Export,
    ImportLine,
    LineKey,
    Provision,
    Settings,
    bulk,
)
from .tariff import TariffIndex

# Both unused-merchandise provisions claim the same classes (MPF/HMF included).
UNUSED_PROVISION = Provision.UNUSED_SUBSTITUTION.value


@dataclass
class DirectChoice:
    """A line that its direct-identification exports name and that could also serve substitution."""

    designations: list[Designation]  # its direct identifications, should it keep that method
    if_direct: list[Exclusion]  # what is then left out (quantity beyond the line, the line's rest)
    if_substitution: list[Exclusion]  # its direct-identification exports, should it serve substitution
    value: Decimal  # the refund of its direct identifications


@dataclass
class Problem:
    """Everything the optimizer and the explanations need, with the direct identifications settled."""

    lines: list[ImportLine]  # sorted by import date, entry, line
    exports: list[Export]  # sorted by export date, reference
    tariff: TariffIndex
    chapter99: Chapter99Table
    settings: Settings
    amounts: list[LineAmounts]
    direct: list[Designation] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # substitution candidates: indices into lines / exports, and the group key of each
    sub_lines: dict[int, str] = field(default_factory=dict)
    sub_exports: dict[int, str] = field(default_factory=dict)
    direct_lines: set[int] = field(default_factory=set)
    contested: dict[int, DirectChoice] = field(default_factory=dict)

    def line_index(self) -> dict[LineKey, int]:
        return {line.key: i for i, line in enumerate(self.lines)}


def per_unit_parts(amounts: LineAmounts, settings: Settings) -> tuple[Decimal, Decimal]:
    """Refund per unit of the line before the value factor: (specific part, ad valorem part), rate applied."""
    line = amounts.line
    rate = drawback_rate(UNUSED_PROVISION, settings)
    specific = ZERO
    ad_valorem = ZERO
    with localcontext(EXACT):
        for comp in amounts.eligible:
            if comp.accounting_class == MPF and settings.mpf_mode != "exact":
                ad_valorem += mpf_per_unit(comp.amount, line.quantity, rate=rate, mode=settings.mpf_mode)
                continue
            specific += rate * comp.specific / line.quantity
            ad_valorem += rate * comp.ad_valorem / line.quantity
    return specific, ad_valorem


def group_key(hts10: str, uom: str, tariff: TariffIndex) -> str:
    test = tariff.other_test(hts10)
    return f"{test.key}|{uom.strip().upper()}"


def prepare(
    *,
    lines: Sequence[ImportLine],
    exports: Sequence[Export],
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    settings: Settings,
) -> Problem:
    with bulk():
        return _prepare(lines=lines, exports=exports, tariff=tariff, chapter99=chapter99, settings=settings)


def _prepare(
    *,
    lines: Sequence[ImportLine],
    exports: Sequence[Export],
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    settings: Settings,
) -> Problem:
    ordered_lines = sorted(lines, key=lambda x: (x.import_date, x.entry_number, x.line_number))
    ordered_exports = sorted(exports, key=lambda e: (e.export_date, e.ref))
    decisions: dict = {}

    def decide(number, day):
        key = (number, day)
        if key not in decisions:
            decisions[key] = chapter99.decide(number, day)
        return decisions[key]

    amounts = [
        line_amounts(
            line, tariff=tariff, chapter99=chapter99, provision=UNUSED_PROVISION, explain=False, decide=decide
        )
        for line in ordered_lines
    ]
    problem = Problem(ordered_lines, ordered_exports, tariff, chapter99, settings, amounts)
    for a in amounts:
        problem.warnings.extend(f"{a.line.key}: {w}" for w in a.warnings)

    index = problem.line_index()
    timely = _Timely(settings.filing_date)

    # Direct identification first: it decides which lines are locked to it.
    wanted: dict[int, list[int]] = defaultdict(list)
    for e_idx, export in enumerate(ordered_exports):
        if export.direct_line is None:
            continue
        l_idx = index.get(export.direct_line)
        if l_idx is None:
            problem.exclusions.append(
                Exclusion(
                    "export", export.ref, f"names {export.direct_line}, which is not among the import lines"
                )
            )
            continue
        failed = direct_failures(ordered_lines[l_idx], export, settings, timely(ordered_lines[l_idx]))
        if failed:
            problem.exclusions.append(
                Exclusion(
                    "export",
                    export.ref,
                    f"direct identification of {export.direct_line} not allowed: {failed.text}",
                    failed.citation,
                )
            )
            continue
        wanted[l_idx].append(e_idx)
    rate = drawback_rate(Provision.UNUSED_DIRECT.value, settings)
    for l_idx, e_list in wanted.items():
        line = ordered_lines[l_idx]
        # What direct identification claims of the line (internal revenue taxes too, unlike substitution).
        direct_amounts = direct_line_amounts(line, amounts[l_idx], tariff, chapter99, decide)
        factors = {e: factor_of(line, ordered_exports[e], lesser_of=False) for e in e_list}
        earning = []
        for e_idx in e_list:
            with localcontext(EXACT):
                per_unit = direct_amounts.specific_total + direct_amounts.ad_valorem_total * factors[e_idx]
            if per_unit > 0:
                earning.append(e_idx)
                continue
            # Nothing to claim: the export is not designated, and so does not fix the line's method.
            problem.exclusions.append(
                Exclusion(
                    "export",
                    ordered_exports[e_idx].ref,
                    f"direct identification of {line.key} earns no refund: no eligible duty, tax or fee "
                    "is left on it",
                    "19 U.S.C. 1313(j)(1); product decision 8",
                )
            )
        if not earning:
            continue
        e_list = earning
        e_list.sort(key=lambda e: (-factors[e], ordered_exports[e].export_date, ordered_exports[e].ref))
        chosen: list[Designation] = []
        left_out: list[Exclusion] = []
        left = line.remaining
        for e_idx in e_list:
            export = ordered_exports[e_idx]
            take = min(left, export.remaining)
            if take > 0:
                chosen.append(
                    Designation(
                        line.key,
                        export.ref,
                        Provision.UNUSED_DIRECT,
                        take,
                        pair_amounts(
                            direct_amounts, take, factors[e_idx], rate=rate, mpf_mode=settings.mpf_mode
                        ),
                    )
                )
                left -= take
            if take < export.remaining:
                left_out.append(
                    Exclusion(
                        "export",
                        export.ref,
                        f"asks for {export.remaining} {export.uom} of {line.key}, which has "
                        f"{take} left for it; the rest is not designated",
                        "19 U.S.C. 1313(v); 19 CFR 190.51(a)(3)",
                        export.remaining - take,
                    )
                )
        if left > 0:
            left_out.append(
                Exclusion(
                    "line",
                    str(line.key),
                    f"{left} {line.uom} left after direct identification stay with that method; not used for "
                    "substitution",
                    "19 CFR 190.51(a)(3)",
                    left,
                )
            )
        if substitution_line_failure(line, amounts[l_idx], tariff, timely(line)) is None:
            with localcontext(EXACT):
                value = sum((d.refund for d in chosen), ZERO)
            problem.contested[l_idx] = DirectChoice(
                chosen,
                left_out,
                [
                    Exclusion(
                        "export",
                        ordered_exports[e_idx].ref,
                        f"names {line.key}, which refunds more used for substitution; a line is "
                        "designated under one method only",
                        "19 CFR 190.51(a)(3)",
                        ordered_exports[e_idx].remaining,
                    )
                    for e_idx in e_list
                ],
                value,
            )
            continue
        problem.direct_lines.add(l_idx)
        problem.direct.extend(chosen)
        problem.exclusions.extend(left_out)

    # Substitution lines.
    for l_idx, line in enumerate(ordered_lines):
        if l_idx in problem.direct_lines:
            continue
        reason = substitution_line_failure(line, amounts[l_idx], tariff, timely(line))
        if reason:
            problem.exclusions.append(Exclusion("line", str(line.key), reason.text, reason.citation))
            continue
        problem.sub_lines[l_idx] = group_key(line.hts, line.uom, tariff)

    keys_with_lines = set(problem.sub_lines.values())
    for e_idx, export in enumerate(ordered_exports):
        if export.direct_line is not None:
            continue
        if export.remaining <= 0:
            continue
        for check in (
            rules.export_before_claim(export.export_date, settings, citation=rules.CIT_J2),
            rules.substitution_destination(export),
        ):
            if not check.ok:
                problem.exclusions.append(
                    Exclusion("export", export.ref, check.step.text, check.step.citation)
                )
                break
        else:
            key = group_key(export.hts, export.uom, tariff)
            if key not in keys_with_lines:
                problem.exclusions.append(
                    Exclusion(
                        "export",
                        export.ref,
                        f"no import line available for substitution with the same classification "
                        f"({key.split('|')[0]}) and unit {export.uom}",
                        rules.CIT_STANDARD,
                    )
                )
                continue
            problem.sub_exports[e_idx] = key
    return problem


def direct_line_amounts(
    line: ImportLine, substitution: LineAmounts, tariff: TariffIndex, chapter99: Chapter99Table, decide=None
) -> LineAmounts:
    """The line's amounts under direct identification: those of substitution unless the line paid internal
    revenue taxes, which only direct identification claims."""
    if not line.other_taxes:
        return substitution
    return line_amounts(
        line,
        tariff=tariff,
        chapter99=chapter99,
        provision=Provision.UNUSED_DIRECT.value,
        explain=False,
        decide=decide,
    )


class _Timely:
    """claim_timely per import date, worked out once per date (many lines share a date)."""

    def __init__(self, filing_date: dt.date):
        self.filing_date = filing_date
        self._memo: dict[dt.date, rules.Check] = {}

    def __call__(self, line: ImportLine) -> rules.Check:
        day = line.import_date
        if day not in self._memo:
            self._memo[day] = rules.claim_timely(day, self.filing_date)
        return self._memo[day]


def direct_failures(line: ImportLine, export: Export, settings: Settings, timely: rules.Check):
    """The first rule a direct-identification export breaks, as a Step; None when it is eligible."""
    checks = (
        rules.line_election_allows(line, Election.DIRECT),
        timely,
        rules.direct_not_before_import(line.import_date, export.export_date),
        rules.export_in_window(line.import_date, export.export_date, settings.export_window),
        rules.export_before_claim(export.export_date, settings),
        rules.same_uom(line, export),
    )
    for check in checks:
        if not check.ok:
            return check.step
    if line.remaining <= 0:
        return rules.Step(rules.CIT_ELECTION, f"nothing left of {line.key} to designate")
    return None


def substitution_line_failure(
    line: ImportLine, amounts: LineAmounts, tariff: TariffIndex, timely: rules.Check
) -> rules.Step | None:
    if line.remaining <= 0:
        return rules.Step("19 U.S.C. 1313(v)", "nothing left to designate")
    election = rules.line_election_allows(line, Election.SUBSTITUTION)
    if not election.ok:
        return election.step
    if not timely.ok:
        return timely.step
    if not tariff.has_subheading(line.hts):
        return rules.Step(rules.CIT_STANDARD, f"the tariff has no 8-digit row for {line.hts[:8]}")
    test = tariff.other_test(line.hts)
    if test.barred:
        return rules.substitution_standard(line.hts, line.hts, tariff).step
    if not amounts.refundable:
        return rules.Step(
            "19 U.S.C. 1313(j)(2); product decision 8", "no eligible duty, tax or fee paid on the line"
        )
    return None


_LAST_EXPORT: dict[tuple[dt.date, str], int] = {}


def last_export_ordinal(import_date: dt.date, settings: Settings) -> int:
    key = (import_date, settings.export_window)
    if key not in _LAST_EXPORT:
        _LAST_EXPORT[key] = dates.last_export_day(import_date, settings.export_window).toordinal()
    return _LAST_EXPORT[key]


def last_export_date_ordinal(settings: Settings) -> int:
    """Last export date that can be before the claim."""
    filing = settings.filing_date.toordinal()
    return filing if settings.export_on_filing_date else filing - 1
