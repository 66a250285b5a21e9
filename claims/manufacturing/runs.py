"""The type choice as stored (TypeChoiceRun): fingerprints of the data it was computed from, its result as
JSON for the page and the API, and the designations read back for saving exactly what was chosen.

Two fingerprints: `inputs_digest`, exact, of everything the choice read (its save checks it, under lock,
before writing anything); and `data_mark`, a few aggregates the database answers in milliseconds whatever
the client's size, which the page and the API use to say whether the data changed since (reading every
line of a client of 200,000 lines to say so would take longer than a request should)."""

import hashlib
from collections import defaultdict
from decimal import Decimal, localcontext

from django.db.models import Count, Max, Sum

from claims.engine.amounts import EXACT
from claims.engine.model import ZERO, LineKey
from drawback.accounts.models import Client, Privilege
from exports.models import Export
from imports.models import ImportLine

from . import report
from .data import TypeInputs
from .models import BillOfMaterials, BomItem, LotComponent, ProductionLot, RejectedReturn, TypeChoiceRun
from .types import BASIS_HELP, BASIS_LABELS, KIND_LABELS, AlternativeBasis, Kind, TypeDesignation, TypeResult


def inputs_digest(inputs: TypeInputs) -> str:
    """A fingerprint of everything the choice reads: the filing date and settings, the lines and exports
    with what is left of them (and their rows), the lines' recorded parts, the bills of materials, lots,
    rulings and returns. Any change (a quantity taken by a claim, a file loaded, a ruling added) changes
    it."""
    e = inputs.engine
    h = hashlib.sha256()
    h.update(repr(e.settings).encode())
    for line in sorted(e.lines, key=lambda x: x.key):
        h.update(repr((line, e.line_ids.get(line.key))).encode())
    for export in sorted(e.exports, key=lambda x: x.ref):
        h.update(repr((export, e.export_ids.get(export.ref))).encode())
    for part in sorted(inputs.boms):
        h.update(repr(inputs.boms[part]).encode())
    for item in (*inputs.lots, *inputs.rulings, *inputs.returns):
        h.update(repr(item).encode())
    h.update(repr(sorted(inputs.line_parts.items())).encode())
    return h.hexdigest()


def data_mark(client: Client) -> str:
    """Counts, what is left of the lines and exports, and the last changes of everything the choice reads:
    a quantity taken, a file loaded or a ruling changed moves it."""

    def rows(queryset, *, left=False, edited=True) -> tuple:
        measures = {"n": Count("id"), "last": Max("id")}
        if left:
            measures["left"] = Sum("quantity_available")
        if edited:
            measures["at"] = Max("updated_at")
        return tuple(queryset.aggregate(**measures).values())

    marks = [
        rows(ImportLine.objects.filter(client=client), left=True),
        rows(Export.objects.filter(client=client), left=True),
        rows(BillOfMaterials.objects.filter(client=client)),
        rows(BomItem.objects.filter(bom__client=client), edited=False),
        rows(ProductionLot.objects.filter(client=client)),
        rows(LotComponent.objects.filter(lot__client=client), edited=False),
        rows(RejectedReturn.objects.filter(client=client)),
        rows(Privilege.objects.filter(client=client)),
    ]
    return hashlib.sha256(repr(marks).encode()).hexdigest()


def is_stale(run: TypeChoiceRun) -> bool:
    """Whether the client's data changed since the choice was computed. A saved choice took its quantities:
    it is claims now, not a choice to save."""
    return run.status == TypeChoiceRun.Status.DONE and data_mark(run.client) != run.data_mark


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _designation_json(d: TypeDesignation) -> dict:
    return {
        "entry_number": d.line.entry_number,
        "line_number": d.line.line_number,
        "export_ref": d.export_ref,
        "type": d.kind.value,
        "provision": d.provision,
        "quantity": _text(d.quantity),
        "amounts": {k: _text(v) for k, v in sorted(d.amounts.items())},
        "calculated": {k: _text(v) for k, v in sorted(d.calculated.items())},
        "component": d.component,
        "lot": d.lot,
        "basis": d.basis,
        "ruling": d.ruling,
        "substituted_value": _text(d.substituted_value),
        "designated_import": d.designated_import,
        "allowable": _text(d.allowable),
    }


def designation_of(row: dict) -> TypeDesignation:
    """A stored designation as the type choice made it, exact amounts and all."""
    return TypeDesignation(
        line=LineKey(row["entry_number"], row["line_number"]),
        export_ref=row["export_ref"],
        kind=Kind(row["type"]),
        provision=row["provision"],
        quantity=Decimal(row["quantity"]),
        amounts={k: Decimal(v) for k, v in row["amounts"].items()},
        component=row["component"],
        lot=row["lot"],
        basis=row["basis"],
        ruling=row["ruling"],
        calculated={k: Decimal(v) for k, v in row["calculated"].items()},
        substituted_value=Decimal(row["substituted_value"]) if row["substituted_value"] is not None else None,
        designated_import=bool(row.get("designated_import", False)),
        allowable=Decimal(row["allowable"]) if row.get("allowable") is not None else None,
    )


def _choice_json(row: dict) -> dict:
    return {
        **{k: row[k] for k in ("export_ref", "type", "type_label", "alternative", "alternative_label")},
        "refund": _text(row["refund"]),
        "claim_with_alternative": _text(row["claim_with_alternative"] or None),
        "choice_earns": _text(row["choice_earns"] if row["choice_earns"] != "" else None),
        "alternative_basis": row["alternative_basis"] or None,
        "alternative_basis_label": row["alternative_basis_label"] or None,
        "explanation": row["explanation"],
        "steps": [{"citation": s.citation, "text": s.text} for s in row["steps"]],
        "refused": [{"type": label, "reason": reason} for label, reason in row["refused"]],
    }


def _basis_json(basis: AlternativeBasis | None) -> dict | None:
    if basis is None:
        return None
    return {"basis": basis.value, "label": BASIS_LABELS[basis], "help": BASIS_HELP[basis]}


def result_json(result: TypeResult) -> dict:
    """What the page and the API show of a choice, and the designations its save writes."""
    by_type: dict[str, Decimal] = defaultdict(lambda: ZERO)
    exports_by_type: dict[str, set] = defaultdict(set)
    with localcontext(EXACT):
        for d in result.designations:
            by_type[d.kind.value] += d.refund
            exports_by_type[d.kind.value].add(d.export_ref)
    return {
        "refund": _text(result.refund),
        "exact": _text(result.exact),
        "exports": len(result.choices),
        "alternatives": result.alternative_basis is not None,
        "alternative_basis": _basis_json(result.alternative_basis),
        "seconds": round(result.seconds, 3),
        "claims": [
            {
                "provision": row["provision"],
                "classes": {k: _text(v) for k, v in row["classes"].items()},
                "total": _text(row["total"]),
            }
            for row in report.claim_rows(result)
        ],
        "by_type": [
            {
                "type": kind.value,
                "label": KIND_LABELS[kind],
                "exports": len(exports_by_type[kind.value]),
                "refund": _text(by_type[kind.value]),
            }
            for kind in Kind
            if kind.value in by_type
        ],
        "choices": [_choice_json(row) for row in report.choice_rows(result)],
        "designations": [_designation_json(d) for d in result.designations],
    }


def stored_designations(run: TypeChoiceRun) -> list[TypeDesignation]:
    return [designation_of(row) for row in run.result.get("designations", [])]


def latest_run(client: Client) -> TypeChoiceRun | None:
    """The client's most recent type choice that was computed (saved or not)."""
    return (
        TypeChoiceRun.objects.filter(
            client=client, status__in=(TypeChoiceRun.Status.DONE, TypeChoiceRun.Status.SAVED)
        )
        .select_related("requested_by")
        .order_by("-created_at", "-id")
        .first()
    )
