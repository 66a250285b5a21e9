"""Render ClaimFile data as CATAIR records (pure: no Django). The record order is CAT27's structure map:
10, 31, (40, (41, 42+)+, 43+)+, (70, 71, 72*)+, 89+, 90, inside B...Y blocks inside an A...Z batch."""

from .data import Block, CatairFile, ClaimFile, ExportItem, ImportItem, ManufacturedItem
from .spec import CLASSES_PER_89, TRACKING_SLOTS, encode

APPLICATION_ID = "DE"  # ABI application identifier of the drawback entry summary (CAT27 p. 25; BBC23)


def _flag(value: bool, mark: str = "X") -> str:
    return mark if value else ""


def _header(claim: ClaimFile) -> str:
    h = claim.header
    return encode(
        "10",
        {
            "action": h.action,
            "filer_code": h.filer_code,
            "entry_number": h.entry_number,
            "port": h.port,
            "broker_reference": h.broker_reference,
            "provision": h.provision,
            "bond_waiver": h.bond_waiver,
            "bond_waiver_reason": h.bond_waiver_reason,
            "accelerated_payment": _flag(h.accelerated_payment, "Y"),
            "one_time_waiver": _flag(h.one_time_waiver, "Y"),
            "waiver_prior_notice": _flag(h.waiver_prior_notice, "Y"),
            "commercial_ruling": h.commercial_ruling,
            "petroleum_certification": _flag(h.petroleum_certification),
            "manufacturing_petroleum_certification": _flag(h.manufacturing_petroleum_certification),
            "oil_spill_certification": _flag(h.oil_spill_certification),
            "nafta": _flag(h.nafta),
            "electronic_signature": _flag(h.electronic_signature),
            "claimant_id": h.claimant_id,
            "notify_party": h.notify_party,
            "wine_certification": _flag(h.wine_certification),
            "bom_certification": _flag(h.bom_certification),
            "destroyed_valuation_certification": _flag(h.destroyed_valuation_certification),
            "usmca": _flag(h.usmca),
            "retail_substitution": _flag(h.retail_substitution, "Y"),
            "superfund_certification": _flag(h.superfund_certification),
        },
    )


def _tracking(code: str, prefix: str, numbers: list[int]) -> list[str]:
    records = []
    for start in range(0, len(numbers), TRACKING_SLOTS):
        chunk = numbers[start : start + TRACKING_SLOTS]
        records.append(encode(code, {f"{prefix}_{i + 1}": n for i, n in enumerate(chunk)}))
    return records


def _import(item: ImportItem) -> list[str]:
    records = [
        encode(
            "40",
            {
                "action": item.action,
                "filer_code": item.filer_code,
                "entry_number": item.entry_number,
                "line_number": item.line_number,
                "manufacture_ruling": item.manufacture_ruling,
                "basis_of_claim": item.basis_of_claim,
                "itin": item.itin,
                "accounting_method": item.accounting_method,
            },
        )
    ]
    for classification in item.classifications:
        records.append(encode("41", {"hts": classification.hts, "description": classification.description}))
        for q in classification.quantities:
            records.append(
                encode(
                    "42",
                    {
                        "quantity": q.quantity,
                        "uom": q.uom,
                        "allowable_quantity": q.allowable_quantity,
                        "entered_value_per_unit": q.entered_value_per_unit,
                        "substituted_value_per_unit": q.substituted_value_per_unit,
                    },
                )
            )
    for rev in item.revenues:
        records.append(
            encode(
                "43",
                {
                    "accounting_class": rev.accounting_class,
                    "claim_amount": rev.claim_amount,
                    "calculated_amount": rev.calculated_amount,
                },
            )
        )
    return records


def _manufactured(item: ManufacturedItem) -> list[str]:
    records = [
        encode(
            "50",
            {
                "action": item.action,
                "manufacture_ruling": item.manufacture_ruling,
                "hts": item.hts,
                "quantity": item.quantity,
                "uom": item.uom,
                "production_date": item.production_date,
                "factory_location": item.factory_location,
            },
        ),
        encode(
            "51",
            {
                "description": item.description,
                "manufacture_ruling": item.manufacture_ruling,
                "mtin": item.mtin,
            },
        ),
    ]
    return records + _tracking("52", "itin", item.itins)


def _export(item: ExportItem) -> list[str]:
    code, desc_code = ("60", "61") if item.core else ("70", "71")
    values = {
        "indicator": item.indicator,
        "hts": item.hts,
        "quantity": item.quantity,
        "uom": item.uom,
        "date": item.date,
        "notice_of_intent": _flag(item.notice_of_intent, "Y"),
        "waiver_of_rights": _flag(item.waiver_of_rights, "Y"),
        "exporter_name": item.exporter_name,
        "country": item.country,
        "bol_indicator": _flag(item.bol_indicator, "Y"),
        "bol_carrier": item.bol_carrier,
    }
    if not item.core:
        values["schedule_b"] = _flag(item.schedule_b)
    records = [
        encode(code, values),
        encode(desc_code, {"description": item.description, "unique_identifier": item.unique_identifier}),
    ]
    if not item.core:
        records += _tracking("72", "itin", item.itins)
        records += _tracking("73", "mtin", item.mtins)
    return records


def _totals(claim: ClaimFile) -> list[str]:
    records = []
    items = list(claim.class_totals.items())
    for start in range(0, len(items), CLASSES_PER_89):
        values = {}
        for i, (cls, amount) in enumerate(items[start : start + CLASSES_PER_89], start=1):
            values[f"class_{i}"] = cls
            values[f"amount_{i}"] = amount
        records.append(encode("89", values))
    records.append(
        encode(
            "90",
            {
                "duty_total": claim.duty_total,
                "user_fee_total": claim.user_fee_total,
                "ir_tax_total": claim.ir_tax_total,
            },
        )
    )
    return records


def render_claim(claim: ClaimFile) -> list[str]:
    records = [_header(claim)]
    if claim.bond:
        b = claim.bond
        records.append(
            encode(
                "31",
                {
                    "bond_type": b.bond_type,
                    "bond_designation": b.designation,
                    "surety_code": b.surety_code,
                    "bond_amount": b.amount,
                    "bond_number": b.number,
                },
            )
        )
    for item in claim.imports:
        records += _import(item)
    for item in claim.manufactured:
        records += _manufactured(item)
    for item in claim.exports:
        records += _export(item)
    records += _totals(claim)
    return records


def _block(block: Block) -> list[str]:
    records = [
        encode(
            "B",
            {
                "port": block.port,
                "filer_code": block.filer_code,
                "application_id": APPLICATION_ID,
                "filer_office": block.filer_office,
                "user_data": block.user_data,
            },
        )
    ]
    for claim in block.claims:
        records += render_claim(claim)
    records.append(
        encode(
            "Y",
            {
                "port": block.port,
                "filer_code": block.filer_code,
                "application_id": APPLICATION_ID,
                "filer_office": block.filer_office,
            },
        )
    )
    return records


def render_file(catair: CatairFile) -> str:
    """The whole transmission, one record per line, each line ending in a newline."""
    env = catair.envelope
    records = [
        encode(
            "A",
            {
                "site_code": env.site_code,
                "sender_id": env.sender_id,
                "password": env.password,
                "transmission_date": env.transmission_date,
                "application_id": APPLICATION_ID,
                "office_code": env.office_code,
                "user_data": env.user_data,
            },
        )
    ]
    for block in catair.blocks:
        records += _block(block)
    records.append(
        encode(
            "Z",
            {
                "site_code": env.site_code,
                "sender_id": env.sender_id,
                "transmission_date": env.transmission_date,
                "office_code": env.office_code,
            },
        )
    )
    return "".join(record + "\n" for record in records)
