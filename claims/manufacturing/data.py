"""A client's stored records as the inputs of the type choice (claims.manufacturing.types)."""

import datetime as dt
from dataclasses import dataclass, field

from claims.building import inputs as building
from claims.building.inputs import EngineInputs, inputs_from
from claims.engine.model import LineKey, Settings
from drawback.accounts.models import Client, Privilege
from drawback.lib.dates import ExportWindow
from exports.models import Export
from imports.models import ImportLine

from . import rules
from .models import BillOfMaterials, BomItem, ProductionLot, RejectedReturn


@dataclass
class TypeInputs:
    engine: EngineInputs
    boms: dict[str, rules.Bom]
    lots: list[rules.Lot]
    rulings: list[rules.Ruling]
    returns: list[rules.Return]
    # Product identifiers recorded on the client's import lines (those with one).
    line_parts: dict[LineKey, str] = field(default_factory=dict)

    def kwargs(self) -> dict:
        e = self.engine
        return {
            "lines": e.lines,
            "exports": e.exports,
            "tariff": e.tariff,
            "chapter99": e.chapter99,
            "settings": e.settings,
            "boms": self.boms,
            "lots": self.lots,
            "rulings": self.rulings,
            "returns": self.returns,
            "line_parts": self.line_parts,
        }


def boms_of(client: Client, pk: int | None = None) -> dict[str, rules.Bom]:
    """{article part: the bill as the rules read it}, of every bill of the client or of the one given."""
    out = {}
    rows = BillOfMaterials.objects.filter(client=client)
    if pk is not None:
        rows = rows.filter(pk=pk)
    for bom in rows.prefetch_related("items"):
        items = list(bom.items.all())
        out[bom.article_part] = rules.Bom(
            article_part=bom.article_part,
            article_hts=bom.article_hts,
            article_uom=bom.article_uom,
            ruling=bom.ruling,
            article_value=bom.article_value,
            components=tuple(
                rules.Component(i.hts, i.quantity, i.uom, i.unit_value, i.appears_in, i.part)
                for i in items
                if i.kind == BomItem.Kind.COMPONENT
            ),
            waste=tuple(
                rules.WasteItem(i.hts, i.quantity, i.unit_value)
                for i in items
                if i.kind == BomItem.Kind.WASTE
            ),
            coproducts=tuple(
                rules.CoProductItem(i.part or i.hts, i.quantity, i.unit_value)
                for i in items
                if i.kind == BomItem.Kind.COPRODUCT
            ),
        )
    return out


def lots_of(client: Client) -> list[rules.Lot]:
    out = []
    for lot in (
        ProductionLot.objects.filter(client=client).select_related("bom").prefetch_related("components")
    ):
        out.append(
            rules.Lot(
                lot=lot.lot,
                article_part=lot.bom.article_part,
                quantity=lot.quantity,
                started_on=lot.started_on,
                finished_on=lot.finished_on,
                uses=tuple(
                    rules.LotUse(
                        c.hts, c.quantity, LineKey(c.entry_number, c.line_number) if c.entry_number else None
                    )
                    for c in lot.components.all()
                ),
                export_refs=tuple(lot.export_refs),
                factory=lot.factory,
            )
        )
    return out


def rulings_of(client: Client) -> list[rules.Ruling]:
    return [
        rules.Ruling(p.reference, p.granted_on, p.expires_on, p.is_approved)
        for p in client.privileges.filter(kind=Privilege.Kind.MANUFACTURING_RULING)
    ]


def returns_of(client: Client) -> list[rules.Return]:
    return [
        rules.Return(
            ref=r.return_ref,
            reason=r.reason,
            line=LineKey(r.entry_number, r.line_number),
            quantity=r.quantity,
            uom=r.uom,
            rejected_on=r.rejected_on,
            returned_on=r.returned_on,
            proof=r.proof,
            part=r.part,
            unused=r.unused,
            export_ref=r.export_ref,
            line_hts=r.import_line.hts if r.import_line else "",
            line_imported_on=r.import_line.import_date if r.import_line else None,
        )
        for r in RejectedReturn.objects.filter(client=client).select_related("import_line")
    ]


def line_parts_of(client: Client) -> dict[LineKey, str]:
    """{import line: its recorded product identifier}, every line of the client that has one (a used-up line
    still tells what its retail returns brought back)."""
    rows = (
        ImportLine.objects.filter(client=client)
        .exclude(part="")
        .values_list("entry__entry_number", "line_number", "part")
        .iterator(chunk_size=5000)
    )
    return {LineKey(entry, line): part for entry, line, part in rows}


def type_inputs(client: Client, filing_date: dt.date) -> TypeInputs:
    """Every export of the client not yet claimed, every import line with quantity left, and the client's
    bills of materials, lots, rulings and returns."""
    settings = Settings(filing_date=filing_date, export_window=ExportWindow(client.firm.export_window))
    engine = inputs_from(
        client=client,
        exports=Export.objects.filter(client=client, quantity_available__gt=0),
        settings=settings,
        lines=ImportLine.objects.filter(client=client, quantity_available__gt=0),
    )
    # The build reads only the lines that could be the exported goods themselves; manufacturing also needs
    # the lines of the components, and rejected merchandise the lines of the returns.
    known = {line.key for line in engine.lines}
    rows = {
        r[0]: r
        for r in ImportLine.objects.filter(client=client, quantity_available__gt=0).values_list(
            *building.LINE_FIELDS
        )
        if (r[1], r[2]) not in known
    }
    ch99 = building._ch99(rows)
    for line_id, r in rows.items():
        line = building._line(r, ch99.get(line_id, ()))
        engine.lines.append(line)
        engine.line_ids[line.key] = line_id
    engine.tariff = building.tariff_index({x.hts for x in engine.lines} | {e.hts for e in engine.exports})
    return TypeInputs(
        engine,
        boms_of(client),
        lots_of(client),
        rulings_of(client),
        returns_of(client),
        line_parts_of(client),
    )
