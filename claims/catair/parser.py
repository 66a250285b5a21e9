"""Read a CATAIR drawback transmission back into ClaimFile data (pure: no Django).

The parser reads the structure; it does not judge it. `validate_claim_file` (validate.py) is the judge.
A record the parser cannot place (a 42 before any 41, a 10 outside a block) raises CatairSyntaxError with
its line number.
"""

from decimal import Decimal

from .data import (
    Block,
    Bond,
    CatairFile,
    ClaimFile,
    ClaimHeader,
    Classification,
    Envelope,
    ExportItem,
    ImportItem,
    ManufacturedItem,
    Quantity,
    Revenue,
)
from .spec import CLASSES_PER_89, TRACKING_SLOTS, CatairSyntaxError, decode

_HEADER_FLAGS = {
    "accelerated_payment",
    "one_time_waiver",
    "waiver_prior_notice",
    "petroleum_certification",
    "manufacturing_petroleum_certification",
    "oil_spill_certification",
    "nafta",
    "electronic_signature",
    "wine_certification",
    "bom_certification",
    "destroyed_valuation_certification",
    "usmca",
    "retail_substitution",
    "superfund_certification",
}


def records_of(text: str) -> list[str]:
    """The records of a file: one per line; CR/LF line ends and blank trailing lines are ignored."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def _text(value) -> str:
    return "" if value is None else str(value)


def _header(v: dict) -> ClaimHeader:
    kwargs = {
        "action": _text(v["action"]),
        "filer_code": _text(v["filer_code"]),
        "entry_number": _text(v["entry_number"]),
        "port": _text(v["port"]),
        "provision": _text(v["provision"]),
        "claimant_id": _text(v["claimant_id"]),
        "broker_reference": _text(v["broker_reference"]),
        "bond_waiver": _text(v["bond_waiver"]),
        "bond_waiver_reason": _text(v["bond_waiver_reason"]),
        "commercial_ruling": _text(v["commercial_ruling"]),
        "notify_party": _text(v["notify_party"]),
    }
    for flag in _HEADER_FLAGS:
        kwargs[flag] = bool(v[flag])
    return ClaimHeader(**kwargs)


def _export(code: str, v: dict) -> ExportItem:
    return ExportItem(
        indicator=_text(v["indicator"]),
        hts=_text(v["hts"]),
        quantity=v["quantity"],
        uom=_text(v["uom"]),
        date=v["date"],
        exporter_name=_text(v["exporter_name"]),
        description="",
        unique_identifier="",
        country=_text(v["country"]),
        notice_of_intent=v["notice_of_intent"] == "Y",
        waiver_of_rights=v["waiver_of_rights"] == "Y",
        bol_indicator=v["bol_indicator"] == "Y",
        bol_carrier=_text(v["bol_carrier"]),
        schedule_b=v.get("schedule_b") == "X",
        core=code == "60",
    )


class _Reader:
    def __init__(self):
        self.file: CatairFile | None = None
        self.block: Block | None = None
        self.claim: ClaimFile | None = None
        self.import_item: ImportItem | None = None
        self.classification: Classification | None = None
        self.export: ExportItem | None = None
        self.manufactured: ManufacturedItem | None = None
        self.closed = False

    def need(self, obj, what: str, code: str, line: int):
        if obj is None:
            raise CatairSyntaxError(f"{code}-record outside {what}", line)
        return obj

    def read(self, code: str, v: dict, line: int) -> None:
        if self.closed:
            raise CatairSyntaxError(f"{code}-record after the Z-record", line)
        if code == "A":
            if self.file is not None:
                raise CatairSyntaxError("second A-record", line)
            self.file = CatairFile(
                Envelope(
                    site_code=_text(v["site_code"]),
                    sender_id=_text(v["sender_id"]),
                    transmission_date=v["transmission_date"],
                    password=_text(v["password"]),
                    office_code=_text(v["office_code"]),
                    user_data=_text(v["user_data"]),
                )
            )
            return
        file = self.need(self.file, "a batch (A-record)", code, line)
        if code == "Z":
            if self.block is not None:
                raise CatairSyntaxError("Z-record before the Y-record closing the block", line)
            self.closed = True
            return
        if code == "B":
            if self.block is not None:
                raise CatairSyntaxError("B-record inside an open block", line)
            self.block = Block(
                port=_text(v["port"]),
                filer_code=_text(v["filer_code"]),
                filer_office=_text(v["filer_office"]),
                user_data=_text(v["user_data"]),
            )
            file.blocks.append(self.block)
            return
        block = self.need(self.block, "a block (B-record)", code, line)
        if code == "Y":
            self.block = self.claim = None
            return
        if code == "10":
            self.claim = ClaimFile(header=_header(v))
            block.claims.append(self.claim)
            self.import_item = self.classification = self.export = self.manufactured = None
            return
        claim = self.need(self.claim, "a claim (10-record)", code, line)
        if code == "31":
            claim.bond = Bond(
                bond_type=_text(v["bond_type"]),
                designation=_text(v["bond_designation"]),
                surety_code=_text(v["surety_code"]),
                amount=v["bond_amount"],
                number=_text(v["bond_number"]),
            )
        elif code == "40":
            self.import_item = ImportItem(
                action=_text(v["action"]),
                filer_code=_text(v["filer_code"]),
                entry_number=_text(v["entry_number"]),
                line_number=v["line_number"],
                itin=v["itin"],
                # A 2-digit code (Appendix E) although its class is N: keep "00", not 0.
                accounting_method="" if v["accounting_method"] is None else f"{v['accounting_method']:02d}",
                manufacture_ruling=_text(v["manufacture_ruling"]),
                basis_of_claim=_text(v["basis_of_claim"]),
            )
            self.classification = None
            claim.imports.append(self.import_item)
        elif code == "41":
            item = self.need(self.import_item, "an import grouping (40-record)", code, line)
            self.classification = Classification(hts=_text(v["hts"]), description=_text(v["description"]))
            item.classifications.append(self.classification)
        elif code == "42":
            classification = self.need(self.classification, "a classification (41-record)", code, line)
            classification.quantities.append(
                Quantity(
                    quantity=v["quantity"],
                    uom=_text(v["uom"]),
                    entered_value_per_unit=v["entered_value_per_unit"],
                    substituted_value_per_unit=v["substituted_value_per_unit"],
                    allowable_quantity=v["allowable_quantity"],
                )
            )
        elif code == "43":
            item = self.need(self.import_item, "an import grouping (40-record)", code, line)
            item.revenues.append(
                Revenue(
                    accounting_class=_text(v["accounting_class"]),
                    claim_amount=v["claim_amount"],
                    calculated_amount=v["calculated_amount"],
                )
            )
        elif code == "50":
            self.import_item = self.classification = None
            self.manufactured = ManufacturedItem(
                action=_text(v["action"]),
                manufacture_ruling=_text(v["manufacture_ruling"]),
                hts=_text(v["hts"]),
                quantity=v["quantity"],
                uom=_text(v["uom"]),
                production_date=v["production_date"],
                factory_location=_text(v["factory_location"]),
                description="",
                mtin=0,
            )
            claim.manufactured.append(self.manufactured)
        elif code == "51":
            item = self.need(self.manufactured, "a manufactured article grouping (50-record)", code, line)
            item.description = _text(v["description"])
            item.mtin = v["mtin"] or 0
        elif code == "52":
            item = self.need(self.manufactured, "a manufactured article grouping (50-record)", code, line)
            slots = (v[f"itin_{i}"] for i in range(1, TRACKING_SLOTS + 1))
            item.itins += [itin for itin in slots if itin is not None]
        elif code == "73":
            export = self.need(self.export, "an export grouping (70-record)", code, line)
            slots = (v[f"mtin_{i}"] for i in range(1, TRACKING_SLOTS + 1))
            export.mtins += [mtin for mtin in slots if mtin is not None]
        elif code in ("60", "70"):
            self.import_item = self.classification = self.manufactured = None
            self.export = _export(code, v)
            claim.exports.append(self.export)
        elif code in ("61", "71"):
            export = self.need(self.export, "an export grouping (70-record)", code, line)
            export.description = _text(v["description"])
            export.unique_identifier = _text(v["unique_identifier"])
        elif code == "72":
            export = self.need(self.export, "an export grouping (70-record)", code, line)
            slots = (v[f"itin_{i}"] for i in range(1, TRACKING_SLOTS + 1))
            export.itins += [itin for itin in slots if itin is not None]
        elif code == "89":
            self.import_item = self.classification = self.export = None
            for i in range(1, CLASSES_PER_89 + 1):
                cls = v[f"class_{i}"]
                if cls is not None:
                    # 89 class 1 is 3N (an int when decoded); classes 2-4 are 3AN.
                    cls = str(cls).zfill(3)
                    claim.class_totals[cls] = v[f"amount_{i}"] or Decimal("0.00")
        elif code == "90":
            claim.duty_total = v["duty_total"] or Decimal("0.00")
            claim.user_fee_total = v["user_fee_total"] or Decimal("0.00")
            claim.ir_tax_total = v["ir_tax_total"] or Decimal("0.00")
            self.claim = None
        else:  # 53, 62-64: kept as read.
            claim.other_records.append((code, v))


def parse_catair(text: str) -> CatairFile:
    """Parse a whole transmission (A ... Z) into blocks and claims; raises CatairSyntaxError."""
    reader = _Reader()
    for number, record in enumerate(records_of(text), start=1):
        code, values = decode(record, number)
        reader.read(code, values, number)
    if reader.file is None:
        raise CatairSyntaxError("no A-record: not a CATAIR batch")
    if not reader.closed:
        raise CatairSyntaxError("no Z-record at the end of the batch")
    return reader.file
