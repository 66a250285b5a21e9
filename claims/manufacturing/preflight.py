"""Pre-flight rules of manufacturing (51, 52) and rejected-merchandise (53-56) claims, on the records behind
each designation: the bill of materials and lot it names, the ruling in force, the time limits, the return.
Registered with claims.preflight's rules."""

from collections.abc import Iterator
from decimal import Decimal

from claims.engine.model import Ch99Duty, LineKey, Settings
from claims.engine.model import ImportLine as LineData
from claims.preflight import (
    ERROR,
    MANUFACTURING,
    REJECTED,
    RETAIL_RETURN,
    ClaimData,
    PreflightIssue,
    _line_label,
    _where,
    rule,
)
from drawback.accounts.models import Privilege

from . import rules
from .models import ProductionLot, RejectedReturn


def _ruling_list(d: ClaimData) -> list[rules.Ruling]:
    return [
        rules.Ruling(p.reference, p.granted_on, p.expires_on, p.is_approved)
        for p in d.privileges
        if p.kind == Privilege.Kind.MANUFACTURING_RULING
    ]


@rule("MFG-LOT", "Manufacturing: bill of materials, lot, ruling and time limits of each designation")
def check_manufacturing_records(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.provision not in MANUFACTURING:
        return
    lots = {
        x.lot: x
        for x in ProductionLot.objects.filter(client=d.claim.client)
        .select_related("bom")
        .prefetch_related("bom__items")
    }
    rulings = _ruling_list(d)
    settings = Settings(filing_date=d.on, export_window=d.window)
    for des in d.designations:
        info = des.manufacture or {}
        if not info:
            # Designated by hand, not from the client's records: the claim file needs the lot (PF-01 says so).
            continue
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        where = _where(des)
        lot = lots.get(info.get("lot", ""))
        if lot is None:
            yield PreflightIssue(
                "MFG-LOT",
                ERROR,
                f"{_line_label(line)} for export {export.export_ref}: production lot {info.get('lot')!r} is "
                "not among the client's lots; a manufacturing designation needs the lot its articles were "
                "made in (19 U.S.C. 1313(b)(3); 19 CFR 190.51(a)(2))",
                **where,
            )
            continue
        bom = lot.bom
        components = [i for i in bom.items.all() if i.kind == "component" and i.hts[:8] == line.hts[:8]]
        if not components:
            yield PreflightIssue(
                "MFG-LOT",
                ERROR,
                f"{_line_label(line)} ({line.hts}) is not a component of article {bom.article_part}'s "
                "bill of materials",
                **where,
            )
        ruling = rules.Bom(bom.article_part, bom.article_hts, bom.article_uom, bom.ruling, ())
        checks = [
            rules.ruling_covers(ruling, rulings, lot.started_on, lot.finished_on),
            rules.ruling_in_force(bom.ruling, rulings, d.on),
            rules.manufacturing_timely(
                line.import_date,
                rules.Lot(lot.lot, bom.article_part, lot.quantity, lot.started_on, lot.finished_on),
                export.export_date,
                settings,
                provision=d.provision,
            ),
        ]
        for check in checks:
            if not check.ok:
                yield PreflightIssue(
                    "MFG-LOT",
                    ERROR,
                    f"{_line_label(line)}, lot {lot.lot}: {check.step.text} ({check.step.citation})",
                    **where,
                )
        if info.get("ruling") and info["ruling"] != bom.ruling:
            yield PreflightIssue(
                "MFG-LOT",
                ERROR,
                f"the designation cites ruling {info['ruling']}, the bill of materials {bom.ruling}",
                **where,
            )


@rule("CFR-190.42", "Rejected merchandise: the return and its proof")
def check_rejected_returns(d: ClaimData) -> Iterator[PreflightIssue]:
    if d.provision not in REJECTED:
        return
    returns = list(RejectedReturn.objects.filter(client=d.claim.client, import_line_id__in=d.line_ids))
    by_pair = {(r.import_line_id, r.export_ref): r for r in returns}
    lines_with_returns = {r.import_line_id for r in returns}
    settings = Settings(filing_date=d.on, export_window=d.window)
    for des in d.designations:
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        if des.method == "substitution" and d.provision in RETAIL_RETURN:
            continue  # another import designated for a retail return: check_retail_designations
        ret = by_pair.get((des.import_line_id, export.export_ref))
        if ret is None:
            if des.import_line_id in lines_with_returns:
                yield PreflightIssue(
                    "CFR-190.42",
                    ERROR,
                    f"the returns of {_line_label(line)} do not name export {export.export_ref}: the export "
                    "of rejected merchandise is the export of the returned goods (19 U.S.C. 1313(c)(1))",
                    **_where(des),
                )
            continue
        if ret.provision != d.provision and d.provision not in {"67", "68", "69", "70"}:
            yield PreflightIssue(
                "CFR-190.42",
                ERROR,
                f"return {ret.return_ref} is '{ret.get_reason_display()}', provision {ret.provision}, not "
                f"{d.provision}",
                **_where(des),
            )
        check = rules.rejected_conditions(
            rules.Return(
                ret.return_ref,
                ret.reason,
                None,
                ret.quantity,
                ret.uom,
                ret.rejected_on,
                ret.returned_on,
                ret.proof,
            ),
            import_date=line.import_date,
            line_uom=line.uom,
            export_date=export.export_date,
            export_uom=export.uom,
            settings=settings,
        )
        if not check.ok:
            yield PreflightIssue(
                "CFR-190.42",
                ERROR,
                f"return {ret.return_ref}: {check.step.text} ({check.step.citation})",
                **_where(des),
            )
        if des.quantity > ret.quantity:
            yield PreflightIssue(
                "CFR-190.42",
                ERROR,
                f"{des.quantity.normalize():f} designated, but return {ret.return_ref} brought back "
                f"{ret.quantity.normalize():f}",
                **_where(des),
            )


@rule("RET-C2", "Retail returns: the designated import's classification, product identifier and time limits")
def check_retail_designations(d: ClaimData) -> Iterator[PreflightIssue]:
    """A retail-return claim designating other imports (10-record pos 77 `Y`): each export is the export of
    a retail return's goods, and each designated line has the returned goods' 8-digit classification and
    product identifier, and was imported within the year before the export (1313(c)(2))."""
    if d.provision not in RETAIL_RETURN:
        return
    designated = [des for des in d.designations if des.method == "substitution"]
    if not designated:
        return
    client = d.claim.client
    returns = list(
        RejectedReturn.objects.filter(client=client, reason=RejectedReturn.Reason.RETAIL).select_related(
            "import_line__entry"
        )
    )
    by_export: dict[str, list[RejectedReturn]] = {}
    for r in returns:
        by_export.setdefault(r.export_ref, []).append(r)

    def own_key(r: RejectedReturn) -> LineKey:
        return LineKey(r.import_line.entry.entry_number, r.import_line.line_number)

    parts = rules.known_line_parts(
        {
            LineKey(x.entry.entry_number, x.line_number): x.part
            for x in (d.lines[e.import_line_id] for e in designated)
        },
        [_as_return(r, own_key(r)) for r in returns if r.import_line_id is not None],
    )
    settings = Settings(filing_date=d.on, export_window=d.window)
    taken: dict[int, Decimal] = {}
    for des in designated:
        line, export = d.lines[des.import_line_id], d.exports[des.export_id]
        where = _where(des)
        mine = [r for r in by_export.get(export.export_ref, []) if r.import_line_id is not None]
        if not mine:
            yield PreflightIssue(
                "RET-C2",
                ERROR,
                f"{_line_label(line)} is designated for export {export.export_ref}, but no retail return "
                "with its import line names that export: 1313(c)(2) designates an import for returned goods "
                "(19 U.S.C. 1313(c)(1)(C)(ii), (c)(2))",
                **where,
            )
            continue
        key = LineKey(line.entry.entry_number, line.line_number)
        data = LineData(
            key.entry_number,
            key.line_number,
            line.import_date,
            line.hts,
            line.quantity,
            line.uom,
            line.entered_value,
            line.duty,
            ch99=tuple(Ch99Duty(c.number, c.amount) for c in d.ch99.get(line.pk, ())),
            other_taxes=line.other_taxes,
        )
        failures = []
        for r in mine:
            ret = _as_return(r, own_key(r))
            own = rules.rejected_conditions(
                ret,
                import_date=r.import_line.import_date,
                line_uom=r.import_line.uom,
                export_date=export.export_date,
                export_uom=export.uom,
                settings=settings,
            )
            check = (
                own
                if not own.ok
                else rules.retail_designation(
                    ret,
                    data,
                    line_part=parts.get(key, ""),
                    returned_hts=r.import_line.hts,
                    export_date=export.export_date,
                    settings=settings,
                    own_part=r.import_line.part,
                )
            )
            if check.ok:
                failures = []
                break
            failures.append(f"return {r.return_ref}: {check.step.text} ({check.step.citation})")
        for text in failures[:1]:
            yield PreflightIssue(
                "RET-C2", ERROR, f"{_line_label(line)} for export {export.export_ref}: {text}", **where
            )
        taken[des.export_id] = taken.get(des.export_id, Decimal(0)) + des.quantity
    for export_id, quantity in taken.items():
        export = d.exports[export_id]
        returned = sum((r.quantity for r in by_export.get(export.export_ref, [])), Decimal(0))
        if quantity > returned:
            yield PreflightIssue(
                "RET-C2",
                ERROR,
                f"{quantity.normalize():f} designated for export {export.export_ref}, but its retail returns "
                f"brought back {returned.normalize():f} (19 U.S.C. 1313(c)(2), 1313(v))",
            )


def _as_return(r: RejectedReturn, line: LineKey | None) -> rules.Return:
    """The rules' view of a stored return, its goods' own import line given as `line`."""
    return rules.Return(
        r.return_ref, r.reason, line, r.quantity, r.uom, r.rejected_on, r.returned_on, r.proof, r.part
    )
