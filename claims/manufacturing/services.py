"""Saving the type choice as draft claims: one per provision (split at the ACE record limits like any
build), numbered from the firm's sequence, the quantities taken through the ledger, totals per class
rounded once. All or nothing, in one transaction."""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import transaction

from claims.building.numbers import NumbersExhausted, claim_numbers_allocate
from claims.building.services import BuildError, default_port, insert_rows
from claims.building.split import SplitError, split_into_claims
from claims.engine.amounts import EXACT
from claims.ledger import LedgerError, reserve
from claims.models import Claim, Designation
from claims.services import ClaimError, claim_create, claim_totals_recompute
from drawback.accounts.models import Client, Privilege, User
from drawback.accounts.tenancy import require_staff

from .data import type_inputs
from .types import TypeDesignation, choose_types

DIRECT = {"51", "53", "54", "55", "56", "58"}


def _merged(designations: list[TypeDesignation]) -> list[TypeDesignation]:
    """One designation per claim, line and export: two components of one 8-digit subheading add up."""
    out: dict[tuple, TypeDesignation] = {}
    for d in designations:
        key = (d.provision, d.line, d.export_ref)
        if key not in out:
            out[key] = d
            continue
        first = out[key]
        with localcontext(EXACT):
            first.quantity += d.quantity
            for k, v in d.amounts.items():
                first.amounts[k] = first.amounts.get(k, Decimal(0)) + v
            for k, v in d.calculated.items():
                first.calculated[k] = first.calculated.get(k, Decimal(0)) + v
        first.component = f"{first.component};{d.component}"
    return list(out.values())


def type_choice_save(*, client: Client, user: User, filing_date: dt.date) -> list[Claim]:
    """Choose the types again on the data as it is now, and save the choice as draft claims."""
    require_staff(user)
    inputs = type_inputs(client, filing_date)
    result = choose_types(**inputs.kwargs(), alternatives=False)
    designations = _merged(result.designations)
    if not designations:
        raise BuildError("the choice designates nothing; there is no claim to save")
    line_ids, export_ids = inputs.engine.line_ids, inputs.engine.export_ids
    exports = {e.ref: e for e in inputs.engine.exports}
    by_position = {}
    rows = []
    for position, d in enumerate(designations):
        export = exports[d.export_ref]
        by_position[position] = d
        rows.append(
            {
                "line_id": line_ids[d.line],
                "export_id": export_ids[d.export_ref],
                "export_date": export.export_date,
                "export_ref": d.export_ref,
                "entry_number": d.line.entry_number,
                "line_number": d.line.line_number,
                "provision": d.provision,
                "method": "direct" if d.provision in DIRECT else "substitution",
                "disposition": export.disposition.value,
                "substituted_value_per_unit": d.substituted_value,
                "position": position,
            }
        )
    try:
        plan = split_into_claims(rows)
        numbers = claim_numbers_allocate(firm=client.firm, count=len(plan))
    except (SplitError, NumbersExhausted) as exc:
        raise BuildError(str(exc)) from exc
    # A manufacturing export's articles are held once, by its first designation; the others hold none of
    # them (1313(v) allows claims on several components of one exported article).
    export_held: dict[int, Decimal | None] = {}
    seen_exports: set[str] = set()
    for r in sorted(rows, key=lambda r: (r["provision"], r["position"])):
        d = by_position[r["position"]]
        if not d.lot:
            continue
        export_held[r["position"]] = (
            Decimal(0) if d.export_ref in seen_exports else exports[d.export_ref].remaining
        )
        seen_exports.add(d.export_ref)
    holding: dict = defaultdict(lambda: [Decimal(0), "", Decimal(0)])
    for r in rows:
        d = by_position[r["position"]]
        pair = holding[(r["line_id"], r["export_id"])]
        pair[0] += d.quantity
        pair[1] = r["method"]
        held = export_held.get(r["position"])
        pair[2] += d.quantity if held is None else held
    lines = {line.key: line for line in inputs.engine.lines}
    waiver = client.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE, on=filing_date) is not None
    try:
        with transaction.atomic():
            reserve({k: (q, m, e) for k, (q, m, e) in holding.items()})
            claims = []
            for (provision, claim_rows), number in zip(plan, numbers, strict=True):
                claim = claim_create(
                    client=client,
                    number=number,
                    provision=provision,
                    preparer=user,
                    drawback_port=default_port(client),
                    waiver_prior_notice=waiver and provision not in ("51", "52"),
                    notes=f"Built by the drawback type choice for filing on {filing_date}.",
                )
                insert_rows(
                    Designation,
                    (
                        _designation(
                            claim, r, by_position[r["position"]], lines, export_held.get(r["position"])
                        )
                        for r in claim_rows
                    ),
                )
                claim_totals_recompute(claim=claim)
                claims.append(claim)
    except LedgerError as exc:
        raise BuildError(f"Nothing was saved: {exc}. Choose again on the data as it is now.") from exc
    except ClaimError as exc:
        raise BuildError(f"Nothing was saved: {exc}") from exc
    return claims


def _six(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _designation(claim: Claim, row: dict, d: TypeDesignation, lines, export_quantity) -> Designation:
    line = lines[d.line]
    with localcontext(EXACT):
        entered = line.entered_value / line.quantity if line.quantity else None
    manufacture = {}
    if d.lot:
        manufacture = {"lot": d.lot, "component": d.component, "basis": d.basis, "ruling": d.ruling}
    return Designation(
        claim=claim,
        import_line_id=row["line_id"],
        export_id=row["export_id"],
        provision=claim.provision,
        method=row["method"],
        quantity=d.quantity,
        export_quantity=export_quantity,
        refund=_six(d.refund),
        amounts={
            k: {"claim": f"{v:f}", "calculated": f"{d.calculated.get(k, v):f}"}
            for k, v in sorted(d.amounts.items())
        },
        entered_value_per_unit=_six(entered) if entered is not None else None,
        substituted_value_per_unit=_six(d.substituted_value) if d.substituted_value is not None else None,
        explanation=[{"citation": "", "text": f"{d.kind.value}: chosen by the drawback type choice"}],
        manufacture=manufacture,
    )
