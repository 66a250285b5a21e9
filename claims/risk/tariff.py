"""Rules that hold import lines and exports against the HTS tariff: number, unit, duty, replacement duties."""

from collections import defaultdict
from collections.abc import Iterator

from drawback.accounts.models import Client
from drawback.lib.hts import dotted
from drawback.lib.money import DRAWBACK_RATE, to_cents
from exports.models import Export
from imports.models import ImportLine, LineCh99Duty

from .base import (
    FindingDraft,
    RiskContext,
    Severity,
    chunks,
    expected_duty,
    line_label,
    line_subject,
    qty,
    usd,
)

TARIFF_MISSING = "R-TARIFF-MISSING"
HTS_FORMAT = "R-HTS-FORMAT"
HTS_UNKNOWN = "R-HTS-UNKNOWN"
UNIT = "R-UOM"
DUTY_RATE = "R-DUTY-RATE"
REPLACEMENT_DUTY = "R-CH99-REPLACEMENT"

TEN_DIGITS = r"^[0-9]{10}$"

# "Replacement duty" headings: an all-in rate that includes the Column 1 duty (CSMS 66319804;
# chapter99.md section 2 and the '15% all-in' / 'including base duty' headings the Chapter 99 table
# describes). The table itself has no column for this, so the list lives here.
REPLACEMENT_HEADINGS = frozenset(
    {
        "9903.02.20",  # EU 15% all-in (IEEPA reciprocal)
        "9903.02.73",  # Japan 15% all-in
        "9903.02.80",  # South Korea deal
        "9903.02.83",  # Switzerland/Liechtenstein deal
        "9903.02.88",  # Switzerland/Liechtenstein deal
        "9903.04.62",  # pharmaceuticals deal rate
        "9903.08.24",  # drones, 15% all-in
        "9903.76.21",  # timber/wood: Japan 15% all-in
        "9903.76.22",  # EU
        "9903.76.23",  # South Korea
        "9903.76.24",  # Taiwan
        "9903.94.32",  # UK auto parts 10% all-in
        "9903.94.41",  # Japan vehicles, 15% including base duty
        "9903.94.43",  # Japan parts
        "9903.94.45",  # EU parts
        "9903.94.51",  # EU vehicles
        "9903.94.53",  # EU parts
        "9903.94.55",  # Japan parts
    }
)


def tariff_missing(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """No tariff loaded: the tariff rules are skipped, and the analyst is told once."""
    if ctx.tariff:
        return
    for rule in (HTS_UNKNOWN, UNIT, DUTY_RATE, REPLACEMENT_DUTY):
        ctx.skip(rule)
    yield FindingDraft(
        rule=TARIFF_MISSING,
        severity=Severity.WARNING,
        subject="tariff",
        message=(
            "No HTS tariff is loaded: classifications, units and duty rates of the import lines and exports "
            "were not checked. Upload the USITC HTS schedule (data contract: tariff)."
        ),
        basis="missing",
    )


def hts_format(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Classifications that are not 10 digits (19 CFR 190.51(a)(2), (c); CATAIR 41- and 70-records)."""
    lines = list(
        ImportLine.objects.filter(client=client)
        .exclude(hts__regex=TEN_DIGITS)
        .values_list("id", "entry_id", "entry__entry_number", "line_number", "hts")
    )
    amounts = ctx.amounts.for_lines(r[0] for r in lines)
    for line_id, entry_id, number, line_number, hts in lines:
        yield FindingDraft(
            rule=HTS_FORMAT,
            severity=Severity.ERROR,
            subject=line_subject(number, line_number),
            message=(
                f"{line_label(number, line_number)}: HTS {hts!r} is not a 10-digit number; the claim reports "
                "the 10-digit HTSUS of each designated line (19 CFR 190.51(a)(2), (c)(1))."
            ),
            basis=hts,
            amount=amounts.get(line_id),
            entry_id=entry_id,
            line_id=line_id,
        )
    exports = Export.objects.filter(client=client).exclude(hts__regex=TEN_DIGITS)
    for export_id, ref, hts in exports.values_list("id", "export_ref", "hts"):
        yield FindingDraft(
            rule=HTS_FORMAT,
            severity=Severity.ERROR,
            subject=f"export:{ref}",
            message=(
                f"Export {ref}: HTS/Schedule B {hts!r} is not a 10-digit number; the claim's export record "
                "carries the 10-digit number from the EEI (CATAIR 70-record; 19 CFR 190.51(c)(1)(iii))."
            ),
            basis=hts,
            export_id=export_id,
        )


def hts_unknown(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Classifications the tariff does not hold.

    Import line: 8-digit subheading unknown -> error (the substitution standard and the unit cannot be
    checked); statistical suffix unknown -> warning, or error when the 8-digit description begins with
    "Other", since 1313(j)(5) then compares the 10-digit number. Export: only an unknown 8-digit subheading
    is reported, as a warning; the 10-digit may be a Schedule B number, whose first 8 digits are what
    (j)(6) compares.
    """
    if not ctx.tariff:
        return
    tariff = ctx.tariff
    verdicts: dict[str, tuple[str, str, str]] = {}
    line_hts = ImportLine.objects.filter(client=client, hts__regex=TEN_DIGITS).values_list("hts", flat=True)
    for hts in line_hts.distinct().order_by():
        if hts in tariff:
            continue
        parent = tariff.get(hts[:8])
        if parent is None:
            verdicts[hts] = (
                Severity.ERROR,
                "8-digit",
                f"HTS {dotted(hts)} is not in the tariff (subheading {dotted(hts[:8])} not found): the "
                "substitution standard and the unit cannot be checked. Load the HTS in effect at entry or "
                "correct the classification (19 CFR 190.51(c)(1)).",
            )
        elif parent.begins_with_other:
            verdicts[hts] = (
                Severity.ERROR,
                "10-digit other",
                f"HTS {dotted(hts)} is not in the tariff; its subheading {dotted(hts[:8])} begins with "
                "'Other', so substitution compares the 10-digit number (19 U.S.C. 1313(j)(5)), which "
                "cannot be checked.",
            )
        else:
            verdicts[hts] = (
                Severity.WARNING,
                "10-digit",
                f"Statistical number {dotted(hts)} is not in the tariff (subheading {dotted(hts[:8])} is): "
                "check the suffix and the unit of quantity.",
            )
    for batch in chunks(verdicts):
        lines = list(
            ImportLine.objects.filter(client=client, hts__in=batch).values_list(
                "id", "entry_id", "entry__entry_number", "line_number", "hts"
            )
        )
        amounts = ctx.amounts.for_lines(r[0] for r in lines)
        for line_id, entry_id, number, line_number, hts in lines:
            severity, basis, text = verdicts[hts]
            yield FindingDraft(
                rule=HTS_UNKNOWN,
                severity=severity,
                subject=line_subject(number, line_number),
                message=f"{line_label(number, line_number)}: {text}",
                basis=f"{basis} {hts}",
                amount=amounts.get(line_id),
                entry_id=entry_id,
                line_id=line_id,
            )
    exports = Export.objects.filter(client=client, hts__regex=TEN_DIGITS)
    unknown = [h for h in exports.values_list("hts", flat=True).distinct().order_by() if h[:8] not in tariff]
    for batch in chunks(unknown):
        for export_id, ref, hts in exports.filter(hts__in=batch).values_list("id", "export_ref", "hts"):
            yield FindingDraft(
                rule=HTS_UNKNOWN,
                severity=Severity.WARNING,
                subject=f"export:{ref}",
                message=(
                    f"Export {ref}: subheading {dotted(hts[:8])} of {dotted(hts)} is not in the tariff; no "
                    "import can be matched to it by substitution (same 8-digit, 19 U.S.C. 1313(j)(2), "
                    "(j)(6))."
                ),
                basis=f"8-digit {hts}",
                export_id=export_id,
            )


def unit_of_measure(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Units that are not the HTS unit of quantity of the line's 10-digit number.

    The claim reports quantities in the HTSUS unit, and (j)(2) substitution needs the same unit on both
    sides (19 CFR 190.51(a)(2)(xi)). Import line: the first unit listed -> fine; a second unit -> warning
    (quantity 1 should be in the first unit); any other -> error. Export: not among the units -> warning
    (EEI quantities follow the Schedule B unit, which may differ).
    """
    if not ctx.tariff:
        return

    def verdict(hts: str, uom: str, *, export: bool) -> tuple[str, str] | None:
        units = ctx.tariff_units(hts)
        if not units or units == ("X",) or uom.upper() == units[0]:
            return None
        listed = "/".join(units)
        if export:
            if uom.upper() in units:
                return None
            return Severity.WARNING, f"unit {uom} is not the HTS unit of {dotted(hts)} ({listed})"
        if uom.upper() in units:
            return Severity.WARNING, (
                f"unit {uom} is the second unit of {dotted(hts)} ({listed}); ACE reports quantity 1 in "
                f"{units[0]}, the unit the claim and substitution compare"
            )
        return Severity.ERROR, f"unit {uom} is not a unit of {dotted(hts)} ({listed})"

    pairs = (
        ImportLine.objects.filter(client=client, hts__regex=TEN_DIGITS)
        .values_list("hts", "uom")
        .distinct()
        .order_by()
    )
    bad = {pair: v for pair in pairs if (v := verdict(*pair, export=False))}
    # Fetch the offending lines per unit with the classifications in batches: a few queries, not one per
    # (classification, unit) pair.
    by_unit: dict[str, list[str]] = defaultdict(list)
    for hts, uom in bad:
        by_unit[uom].append(hts)
    for uom, classifications in by_unit.items():
        for batch in chunks(classifications):
            lines = list(
                ImportLine.objects.filter(client=client, uom=uom, hts__in=batch).values_list(
                    "id", "entry_id", "entry__entry_number", "line_number", "hts"
                )
            )
            amounts = ctx.amounts.for_lines(r[0] for r in lines)
            for line_id, entry_id, number, line_number, hts in lines:
                severity, text = bad[(hts, uom)]
                yield FindingDraft(
                    rule=UNIT,
                    severity=severity,
                    subject=line_subject(number, line_number),
                    message=(
                        f"{line_label(number, line_number)}: {text} (19 CFR 190.51(a)(2)(xi); CATAIR "
                        "42-record)."
                    ),
                    basis=f"{hts} {uom}",
                    amount=amounts.get(line_id),
                    entry_id=entry_id,
                    line_id=line_id,
                )
    export_pairs = (
        Export.objects.filter(client=client, hts__regex=TEN_DIGITS)
        .values_list("hts", "uom")
        .distinct()
        .order_by()
    )
    bad_exports = {pair: v for pair in export_pairs if (v := verdict(*pair, export=True))}
    export_units: dict[str, list[str]] = defaultdict(list)
    for hts, uom in bad_exports:
        export_units[uom].append(hts)
    for uom, classifications in export_units.items():
        for batch in chunks(classifications):
            exports = Export.objects.filter(client=client, uom=uom, hts__in=batch)
            for export_id, ref, hts in exports.values_list("id", "export_ref", "hts"):
                severity, text = bad_exports[(hts, uom)]
                yield FindingDraft(
                    rule=UNIT,
                    severity=severity,
                    subject=f"export:{ref}",
                    message=(
                        f"Export {ref}: {text}; substitution needs the import's HTSUS unit "
                        "(19 CFR 190.51(a)(2)(xi))."
                    ),
                    basis=f"{hts} {uom}",
                    export_id=export_id,
                )


def duty_rate(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Chapter 1-97 duty that the general rate does not explain, beyond the tolerance.

    Recomputed from the tariff's general rate: ad valorem x entered value, specific x quantity when the
    rate's unit is the line's unit, compound both, Free -> 0. Lines with a special program indicator pay
    a preferential rate and are not compared. Rates given as text, and specific rates in a unit the line
    does not report, cannot be recomputed: one information finding per classification says so. The
    tariff is today's; an entry from before a rate change shows up here too, hence a warning, not an error.
    """
    if not ctx.tariff:
        return
    not_checked: dict[tuple[str, str], int] = defaultdict(int)
    lines = (
        ImportLine.objects.filter(client=client, spi="", hts__regex=TEN_DIGITS)
        .values_list(
            "id",
            "entry_id",
            "entry__entry_number",
            "line_number",
            "hts",
            "uom",
            "quantity",
            "quantity_available",
            "entered_value",
            "duty",
        )
        .iterator(chunk_size=5000)
    )
    for line_id, entry_id, number, line_number, hts, uom, quantity, available, value, duty in lines:
        rate = ctx.rate(hts)
        if rate is None:
            continue  # not in the tariff: R-HTS-UNKNOWN reports it
        expected = expected_duty(rate, entered_value=value, quantity=quantity, uom=uom)
        if expected is None:
            not_checked[(hts, "text" if not rate.parsed else f"unit {uom}")] += 1
            continue
        if ctx.tolerance.allows(expected=expected, recorded=duty):
            continue
        difference = duty - expected
        at_stake = to_cents(DRAWBACK_RATE * abs(difference) * available / quantity) if quantity else None
        yield FindingDraft(
            rule=DUTY_RATE,
            severity=Severity.WARNING,
            subject=line_subject(number, line_number),
            message=(
                f"{line_label(number, line_number)}: duty {usd(duty)} but the general rate "
                f"'{rate.text}' of {dotted(hts)} gives {usd(expected)} on value {usd(value)} and "
                f"{qty(quantity)} {uom} ({'over' if difference > 0 else 'under'} by "
                f"{usd(abs(difference))}; tolerance max({usd(ctx.tolerance.absolute)}, "
                f"{qty(ctx.tolerance.percent)}%)). Check the entry summary: the refund is based on the "
                "duty actually paid on the line (19 CFR 190.51(a)(2)(vii))."
            ),
            basis=f"{'over' if difference > 0 else 'under'} {rate.text}",
            amount=at_stake,
            entry_id=entry_id,
            line_id=line_id,
        )
    for (hts, why), count in sorted(not_checked.items()):
        rate = ctx.rate(hts)
        reason = (
            f"the general rate '{rate.text}' is text the engine does not compute"
            if why == "text"
            else f"the specific rate '{rate.text}' is per a unit the lines do not report ({why})"
        )
        yield FindingDraft(
            rule=DUTY_RATE,
            severity=Severity.INFO,
            subject=f"hts:{hts}:{why}",
            message=(
                f"Duty on {count} line(s) under {dotted(hts)} not checked against the tariff: {reason}. "
                "Check them by hand against the entry summaries."
            ),
            basis=f"not checked {why}",
        )


def replacement_duty(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """A replacement-duty heading with $0 on the Chapter 1-97 row although the general rate is above 0.

    CSMS 66319804 (chapter99.md section 2): for drawback the Chapter 1-97 row must carry the Column 1 duty
    and the Chapter 99 row only the difference. When the heading is not eligible, the Column 1 duty is
    hidden inside an ineligible amount and can be claimed only after a post-summary correction splits
    the line; when it is eligible, the claim must still mirror the import as filed.
    """
    if not ctx.tariff:
        return
    rows = (
        LineCh99Duty.objects.filter(line__client=client, number__in=REPLACEMENT_HEADINGS, line__duty=0)
        .values_list(
            "line_id",
            "line__entry_id",
            "line__entry__entry_number",
            "line__line_number",
            "line__entry__entry_date",
            "line__import_date",
            "line__hts",
            "line__uom",
            "line__quantity",
            "line__quantity_available",
            "line__entered_value",
            "number",
            "amount",
        )
        .iterator(chunk_size=2000)
    )
    for (
        line_id,
        entry_id,
        number,
        line_number,
        entry_date,
        imported,
        hts,
        uom,
        quantity,
        available,
        value,
        ch99,
        amount,
    ) in rows:
        rate = ctx.rate(hts)
        if rate is None or not rate.parsed or rate.free or not (rate.ad_valorem or rate.specific):
            continue
        column1 = expected_duty(rate, entered_value=value, quantity=quantity, uom=uom)
        decision = ctx.chapter99.decide(ch99, entry_date or imported)
        where = line_label(number, line_number)
        if decision.eligible:
            at_stake, basis = None, "eligible"
            advice = (
                "the heading is eligible, so the amount stays claimable, but the claim must report the split "
                "as CBP asks for drawback entries (CSMS 45963175)"
            )
        else:
            at_stake = (
                to_cents(DRAWBACK_RATE * column1 * available / quantity) if column1 and quantity else None
            )
            basis = "ineligible"
            advice = (
                f"the heading is not eligible, so the Column 1 duty ({usd(column1)} at '{rate.text}') can be "
                "claimed only after a post-summary correction splits the line; until then it is not claimed"
            )
        yield FindingDraft(
            rule=REPLACEMENT_DUTY,
            severity=Severity.WARNING,
            subject=f"{line_subject(number, line_number)}:{ch99}",
            message=(
                f"{where}: {ch99} ({usd(amount)}) is an all-in replacement duty and the Chapter 1-97 row "
                f"shows $0 duty although the general rate of {dotted(hts)} is '{rate.text}': {advice} "
                "(CSMS 66319804; chapter99.md section 2)."
            ),
            basis=basis,
            amount=at_stake,
            entry_id=entry_id,
            line_id=line_id,
        )
