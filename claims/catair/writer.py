"""Write a claim as an ACE drawback entry summary (CATAIR "DE"; docs/reference/catair.md).

`build_claim_file` reads the claim, its designations, import lines, exports and the client's privileges
and decides every value that goes on the wire; `render.py` only lays the values out. Choices the CATAIR
leaves open are made here, each with its reason:

* One 40-record grouping per designated import line. The same line designated against several exports
  is one grouping (one ITIN) whose 72-records are cited by each export. It is split only where one
  grouping cannot describe it: an export and a destruction need different 40 action codes, and
  different substituted values per unit need different 42-records.
* Groupings are in chronological order of importation (7551 box 22), then entry and line number; ITINs
  run 1, 2, 3... in that order. Exports are in chronological order (70-record "in chronological order").
* Chapter 99 numbers of a line are extra 41-records before the Chapter 1-97 number, in the ES-003 tariff
  ordinal order, as on the underlying entry line (41-record Note 2; CSMS 19-000050, 45963175; ACE rule
  056). Each 41 carries a 42 with the designated quantity and values, because every 41 must be followed
  by 1-3 42-records and CBP asks for "the QTY and Value for each line item". Every Chapter 99 number on
  the line is reported, eligible or not: the 41-records mirror the entry line; what is refunded is
  decided by the 43-records only.
* Bond waiver: without accelerated payment no bond is needed, so 10-record pos 36 is `0` ("bond
  waived/no bond required") with reason `999`. With accelerated payment the 31-record carries the bond of
  the client's accelerated payment privilege in force on the transmission date.
* Manufacturing under 1313(a) and (b) (51, 52) is written from the records its designations name
  (claims.manufacturing: the production lot, its bill of materials and ruling): each import grouping's
  40-record carries action `X` (manufactured), the ruling's number and the basis of claim; each lot is one
  manufactured article (50/51, MTINs numbered after the last ITIN, 52 citing the imports used in it); each
  export's 73-records cite the articles it carried. The 42-record Quantity is the quantity designated (used
  in the articles); on 1313(b) claims with valuable waste or relative value the Allowable QTY is what
  drawback is allowed on (CAT27 42-record Note 2), blank otherwise and on 1313(a) ("1313(b) claims only").
  The other manufacturing provisions (57, 61, 62, 71, 72, 75, 76), a manufacturing designation without its
  lot, and core provisions 01-23 (only for amending Part 191 claims) are refused rather than written
  incompletely.
"""

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from django.conf import settings

from claims.engine.amounts import EXACT
from claims.models import Claim, Designation
from drawback.accounts.models import Privilege
from drawback.lib.money import to_cents
from exports.models import Export
from imports.models import Document

from .amounts import AmountError, apportion_class
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
    total_group,
)
from .render import render_file
from .spec import CatairError

FOUR_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")

# CATAIR Appendix A and the provision rules of catair.md section 2.2.
MANUFACTURING_PROVISIONS = frozenset({"51", "52", "57", "61", "62", "71", "72", "75", "76"})
# Manufacturing provisions written from the client's production records (claims.manufacturing).
RECORDED_MANUFACTURING = frozenset({"51", "52"})
TFTEA_PROVISIONS = frozenset(f"{n}" for n in range(51, 78))
SUPPORTED_PROVISIONS = (TFTEA_PROVISIONS - MANUFACTURING_PROVISIONS) | RECORDED_MANUFACTURING
# 40-record pos 56-57 must be 01-08 for these provisions, 00 for the others (Appendix E).
METHOD_CODE_PROVISIONS = frozenset(
    {"51", "53", "54", "55", "56", "57", "58", "64", "65", "67", "68", "69", "70", "71"}
)
# 42-record Allowable QTY: "Input for 1313(b) claims only" (CAT27 p. 48, 42-record Note 2); of these the
# file is written from production records for 52 only.
ALLOWABLE_QTY_PROVISIONS = frozenset({"52", "72", "75", "76"})
# 40-record bases of claim whose allowed quantity is less than the designated (catair.md 1.5).
REDUCED_BASES = frozenset({"02", "03", "07"})
# Substitution provisions: the 1313(l) lesser-of rule applies, so the 42-record reports the SVU.
SUBSTITUTION_PROVISIONS = frozenset({"52", "59", "60", "63", "66", "72", "73", "74", "75", "76", "77"})
# 10-record certifications tied to the provision.
PETROLEUM_PROVISIONS = frozenset({"60", "63"})  # pos 44, 1313(p)
WINE_PROVISIONS = frozenset({"74"})  # pos 73
BOM_PROVISIONS = frozenset({"51", "52", "57", "61", "62", "71", "72", "75", "76"})  # pos 74
DESTROYED_VALUATION_PROVISIONS = frozenset(
    {"51", "52", "53", "54", "55", "56", "58", "59", "73", "74", "75", "76", "77"}
)  # pos 75
RETAIL_PROVISIONS = frozenset({"56", "70"})  # pos 77

_X_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !@#$%^&*()-_=+[{]}\\|;:'\",<.>/?`~")
_AN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


def clean_text(text: str | None, width: int, allowed: set[str] = _X_CHARS) -> str:
    """Upper case, plain ASCII, characters outside the field class replaced by spaces, cut to the width."""
    ascii_text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    kept = "".join(c if c in allowed else " " for c in ascii_text.upper())
    return re.sub(r"\s+", " ", kept).strip()[:width].rstrip()


def clean_an(text: str | None, width: int) -> str:
    return clean_text(text, width, _AN_CHARS)


PASSWORD = re.compile(r"^[A-Za-z0-9]{1,6}$")


def password_problem(password: str) -> str | None:
    """Why a communication password cannot go in the A-record (6AN, mandatory: catair.md 1.2), or None."""
    if not password:
        return (
            "CATAIR_PASSWORD is not set: the A-record communication password (positions 9-14) is "
            "mandatory; set it to the ABI password CBP gave the transmitter"
        )
    if not PASSWORD.match(password):
        return "CATAIR_PASSWORD must be 1 to 6 letters or digits (A-record positions 9-14)"
    return None


@dataclass(frozen=True)
class Sender:
    """Who transmits the batch: the A-record site, sender id and password (ABI credentials from settings)."""

    site_code: str
    sender_id: str
    password: str = ""
    office_code: str = ""
    user_data: str = ""

    @classmethod
    def from_settings(cls, *, filer_code: str, port: str) -> "Sender":
        """The transmitter of files that go to CBP. Raises CatairError without a valid password."""
        password = getattr(settings, "CATAIR_PASSWORD", "")
        problem = password_problem(password)
        if problem:
            raise CatairError(problem)
        return cls(
            site_code=getattr(settings, "CATAIR_SITE_CODE", "") or port,
            sender_id=getattr(settings, "CATAIR_SENDER_ID", "") or filer_code,
            password=password,
            office_code=getattr(settings, "CATAIR_OFFICE_CODE", ""),
        )

    @classmethod
    def for_checks(cls, *, filer_code: str, port: str) -> "Sender":
        """The transmitter for a file written only to be checked (pre-flight): the claim's records are
        judged, not the installation's ABI credentials, so a stand-in password serves when none is set."""
        password = getattr(settings, "CATAIR_PASSWORD", "")
        return cls(
            site_code=getattr(settings, "CATAIR_SITE_CODE", "") or port,
            sender_id=getattr(settings, "CATAIR_SENDER_ID", "") or filer_code,
            password=password if password_problem(password) is None else "CHECK",
            office_code=getattr(settings, "CATAIR_OFFICE_CODE", ""),
        )


def _four(value: Decimal) -> Decimal:
    # CBP rounds the EGVU to four places (CATAIR Appendix F); the 42-record has four implied decimals.
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _allowable(claim: Claim, group: "_Group") -> Decimal | None:
    """The 42-record Allowable QTY of a 1313(b) grouping: the designated quantity net of valuable waste and/or
    after relative value (CAT27 42-record Note 2), blank where neither applies.

    Summed exact over the grouping's designations and cut (not rounded) to the four implied decimals: the
    designated quantities are whole 0.0001 units cut the same way (claims.manufacturing.types), and the
    quantity drawback is allowed on is never filed above what the records show (19 U.S.C. 1593a)."""
    if claim.provision not in ALLOWABLE_QTY_PROVISIONS:
        return None
    total, reduced = Decimal(0), False
    with localcontext(EXACT):
        for d in group.designations:
            info = d.manufacture or {}
            if info.get("allowable") not in (None, ""):
                total += Decimal(info["allowable"])
                reduced = True
            elif info.get("basis") in REDUCED_BASES:
                raise CatairError(
                    f"{d.import_line}: basis of claim {info['basis']} but no allowable quantity (42-record) "
                    "on the designation; build the claim again from the production records"
                )
            else:
                total += d.quantity
        return total.quantize(FOUR_PLACES, rounding=ROUND_FLOOR) if reduced else None


def _hts_digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


@dataclass
class _Group:
    line: object
    action: str
    svu: Decimal | None
    designations: list

    @property
    def quantity(self) -> Decimal:
        return sum((d.quantity for d in self.designations), Decimal("0"))

    def exact(self, accounting_class: str, kind: str) -> Decimal:
        total = Decimal("0")
        for d in self.designations:
            value = (d.amounts or {}).get(accounting_class, {}).get(kind)
            if value not in (None, ""):
                total += Decimal(str(value))
        return total

    def classes(self) -> set[str]:
        return {cls for d in self.designations for cls in (d.amounts or {})}


def _egvu(group: _Group) -> Decimal:
    first = group.designations[0]
    if first.entered_value_per_unit is not None:
        return _four(first.entered_value_per_unit)
    line = group.line
    if not line.quantity:
        raise CatairError(f"{line}: no quantity, so no entered value per unit")
    return _four(line.entered_value / line.quantity)


def _groups(claim: Claim, designations: list[Designation]) -> list[_Group]:
    substitution = claim.provision in SUBSTITUTION_PROVISIONS
    by_key: dict[tuple, _Group] = {}
    for d in designations:
        action = "D" if d.export.disposition == Export.Disposition.DESTROY else "E"
        svu = None
        if substitution and d.substituted_value_per_unit is not None:
            svu = _four(d.substituted_value_per_unit)
        key = (d.import_line_id, action, svu)
        if key not in by_key:
            by_key[key] = _Group(d.import_line, action, svu, [])
        by_key[key].designations.append(d)
    return sorted(
        by_key.values(),
        key=lambda g: (
            g.line.entry.import_date,
            g.line.entry.entry_number,
            g.line.line_number,
            g.action,
            g.svu or Decimal("0"),
        ),
    )


def _classifications(group: _Group, allowable: Decimal | None = None) -> list[Classification]:
    line = group.line
    uom = clean_text(line.uom, 10)
    if not uom or len(uom) > 3:
        raise CatairError(f"{line}: unit of measure {line.uom!r} is not a 3-character ACE code")
    quantity = Quantity(
        quantity=group.quantity,
        uom=uom,
        entered_value_per_unit=_egvu(group),
        substituted_value_per_unit=group.svu,
        allowable_quantity=allowable,
    )
    description = clean_text(line.description, 50) or clean_text(f"HTS {line.hts}", 50)
    rows = []
    for duty in line.ch99_duties.all():  # ordered by ES-003 tariff ordinal
        rows.append(Classification(_hts_digits(duty.number), description, [quantity]))
    hts = _hts_digits(line.hts)
    if len(hts) != 10:
        raise CatairError(f"{line}: HTS {line.hts!r} must have 10 digits on a TFTEA claim")
    rows.append(Classification(hts, description, [quantity]))
    if len(rows) > 32:
        raise CatairError(f"{line}: {len(rows)} HTS numbers; the 41-record repeats at most 32 times")
    return rows


def _class_totals(claim: Claim) -> dict[str, Decimal]:
    return {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}


def _apportion(claim: Claim, groups: list[_Group]) -> tuple[dict, dict, dict]:
    """Per class: the 43 amounts of each group, the filed total and any shortfall (see amounts.py)."""
    recorded = _class_totals(claim)
    classes = sorted({cls for g in groups for cls in g.classes()} | set(recorded))
    per_group: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    filed: dict[str, Decimal] = {}
    shortfalls: dict[str, Decimal] = {}
    for cls in classes:
        if not re.fullmatch(r"\d{3}", cls):
            raise CatairError(f"accounting class {cls!r} is not a 3-digit CBP class code")
        claims = [g.exact(cls, "claim") for g in groups]
        calculated = [g.exact(cls, "calculated") for g in groups]
        total = recorded.get(cls, to_cents(sum(claims, Decimal("0"))))
        try:
            result = apportion_class(total=total, claims=claims, calculated=calculated)
        except AmountError as exc:
            raise CatairError(f"class {cls}: {exc}") from exc
        for i, (amount, calc) in enumerate(zip(result.claim_amounts, result.calculated_amounts, strict=True)):
            per_group[i][cls] = (amount, calc)
        if result.filed_total:
            filed[cls] = result.filed_total
        if result.shortfall:
            shortfalls[cls] = result.shortfall
    return per_group, filed, shortfalls


def _bond(claim: Claim, on: dt.date) -> Bond:
    privilege = claim.client.privilege(Privilege.Kind.ACCELERATED_PAYMENT, on=on)
    if privilege is None or not privilege.bond_type or not privilege.surety_code:
        raise CatairError(
            f"accelerated payment is requested but {claim.client.legal_name} has no accelerated payment "
            f"privilege with a bond in force on {on:%m/%d/%Y} (19 CFR 190.92)"
        )
    amount, number = None, ""
    if privilege.bond_type == Privilege.BondType.SINGLE:
        if privilege.bond_amount is None or not privilege.bond_number:
            raise CatairError("a single transaction bond needs its amount and number (31-record)")
        if privilege.bond_amount != privilege.bond_amount.to_integral_value():
            raise CatairError("the single transaction bond amount is reported in whole dollars")
        amount = int(privilege.bond_amount)
        number = clean_an(privilege.bond_number, 10)
    return Bond(
        bond_type=privilege.bond_type,
        surety_code=clean_an(privilege.surety_code, 3),
        amount=amount,
        number=number,
    )


def _export_item(
    claim: Claim, export: Export, designations: list[Designation], itins: list[int]
) -> ExportItem:
    destroyed = export.disposition == Export.Disposition.DESTROY
    hts = _hts_digits(export.hts)
    if len(hts) == 8:
        hts += "00"  # 70-record: "add two zeros to make it 10 digits"
    same_uom = all(d.import_line.uom == export.uom for d in designations)
    # The quantity of the exported article used on this claim; in the article's own unit when the import
    # lines use another unit (the designated quantity is then in the import unit).
    quantity = sum((d.quantity for d in designations), Decimal("0")) if same_uom else export.quantity
    notice = Document.Type.NOTICE_OF_INTENT
    has_notice = any(
        doc.doc_type == notice or any(p.doc_type == notice for p in doc.proofs.all())
        for doc in export.documents.all()
    )
    description = export.description or designations[0].import_line.description
    return ExportItem(
        indicator="D" if destroyed else "E",
        hts=hts,
        quantity=quantity,
        uom=clean_text(export.uom, 3),
        date=export.export_date,
        exporter_name=clean_an(export.exporter_name or claim.client.legal_name, 30),
        description=clean_text(description, 50) or clean_text(f"HTS {export.hts}", 50),
        unique_identifier=clean_an(export.export_ref, 28),
        country="" if destroyed else clean_an(export.destination, 2),
        notice_of_intent=has_notice,
        itins=itins,
    )


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def _manufactured(
    claim: Claim,
    designations: list[Designation],
    itin_of_designation: dict[int, int],
    ruling: str,
    *,
    start: int,
) -> tuple[list[ManufacturedItem], dict[str, int]]:
    """One manufactured article (50/51/52) per production lot of the claim's designations."""
    from claims.models import ProductionLot

    by_lot: dict[str, list[Designation]] = defaultdict(list)
    for d in designations:
        by_lot[d.manufacture["lot"]].append(d)
    lots = {
        x.lot: x
        for x in ProductionLot.objects.filter(client_id=claim.client_id, lot__in=by_lot).select_related("bom")
    }
    items: list[ManufacturedItem] = []
    mtin_of_lot: dict[str, int] = {}
    for n, name in enumerate(
        sorted(by_lot, key=lambda x: (lots[x].finished_on, x) if x in lots else (None, x))
    ):
        lot = lots.get(name)
        if lot is None:
            raise CatairError(f"production lot {name!r} of the claim's designations is not on file")
        rows = by_lot[name]
        exports = {d.export_id: d.export for d in rows}
        hts = _hts_digits(lot.bom.article_hts)
        mtin = start + n
        mtin_of_lot[name] = mtin
        items.append(
            ManufacturedItem(
                action="D"
                if any(e.disposition == Export.Disposition.DESTROY for e in exports.values())
                else "E",
                manufacture_ruling=ruling,
                hts=hts,
                quantity=sum((e.quantity for e in exports.values()), Decimal("0")),
                uom=clean_text(lot.bom.article_uom, 3),
                production_date=lot.finished_on,
                factory_location=clean_an(lot.factory, 30) or "UNKNOWN",
                description=clean_text(lot.bom.description or f"ARTICLE {lot.bom.article_part}", 50),
                mtin=mtin,
                itins=sorted({itin_of_designation[d.pk] for d in rows}),
            )
        )
    return items, mtin_of_lot


@dataclass
class FilingPlan:
    """A claim file and the stored rows behind it, for the summary PDF and the workbook."""

    claim_file: ClaimFile
    # (the 40 grouping, its import line, its designations), in ITIN order.
    imports: list[tuple[ImportItem, object, list[Designation]]]
    # (the 70 grouping, its export, its designations), in filing order.
    exports: list[tuple[ExportItem, Export, list[Designation]]]
    itin_of_designation: dict[int, int]


def build_claim_file(*, claim: Claim, transmission_date: dt.date, broker_reference: str = "") -> ClaimFile:
    """Every value of the claim's 10...90 records, decided from the stored claim. Raises CatairError.

    `transmission_date` picks the accelerated payment privilege (and its bond) in force when filing.
    """
    return build_filing_plan(
        claim=claim, transmission_date=transmission_date, broker_reference=broker_reference
    ).claim_file


def build_filing_plan(*, claim: Claim, transmission_date: dt.date, broker_reference: str = "") -> FilingPlan:
    """The claim file (see build_claim_file) with, for each grouping, the rows it was built from."""
    if claim.provision not in SUPPORTED_PROVISIONS:
        if claim.provision in MANUFACTURING_PROVISIONS:
            raise CatairError(
                f"provision {claim.provision} is a manufacturing provision: its 50-53 records are not "
                "supported yet"
            )
        raise CatairError(f"provision {claim.provision!r} is not a TFTEA provision (51-77) the file supports")
    designations = list(
        claim.designations.select_related("import_line__entry", "export").prefetch_related(
            "import_line__ch99_duties", "export__documents__proofs"
        )
    )
    if not designations:
        raise CatairError(f"claim {claim.display_number} has no designations")
    groups = _groups(claim, designations)
    if len(groups) > 10000:
        raise CatairError(f"{len(groups)} import groupings; a claim holds at most 10,000")
    per_group, filed, shortfalls = _apportion(claim, groups)

    method_code = "01" if claim.provision in METHOD_CODE_PROVISIONS else "00"
    manufacturing = claim.provision in RECORDED_MANUFACTURING
    ruling_number = ""
    if manufacturing:
        missing = [d for d in designations if not (d.manufacture or {}).get("lot")]
        if missing:
            raise CatairError(
                f"{missing[0].import_line}: a manufacturing designation needs the production lot its "
                "articles were made in (50-record), which this one does not name"
            )
        rulings = {d.manufacture.get("ruling", "") for d in designations}
        if len(rulings) != 1 or not _digits(next(iter(rulings))):
            raise CatairError(
                f"a manufacturing claim cites one ruling; its designations cite {sorted(rulings)}"
            )
        ruling_number = _digits(next(iter(rulings)))[-10:]
    imports: list[ImportItem] = []
    itin_of_designation: dict[int, int] = {}
    for itin, group in enumerate(groups, start=1):
        entry_number = group.line.entry.entry_number
        amounts = sorted(per_group[itin - 1].items())
        revenues = [Revenue(cls, amount, calc) for cls, (amount, calc) in amounts if amount]
        if not revenues:
            raise CatairError(f"{group.line}: claims nothing in cents; remove it from the claim")
        if len(revenues) > 20:
            raise CatairError(f"{group.line}: {len(revenues)} accounting classes; at most 20 per import")
        imports.append(
            ImportItem(
                action=group.action,
                filer_code=entry_number[:3],
                entry_number=entry_number[3:],
                line_number=group.line.line_number,
                itin=itin,
                accounting_method=method_code,
                classifications=_classifications(group, _allowable(claim, group)),
                revenues=revenues,
                manufacture_ruling=ruling_number,
                basis_of_claim=(group.designations[0].manufacture or {}).get("basis", "")
                if manufacturing
                else "",
            )
        )
        if manufacturing:
            imports[-1].action = "X"
        for d in group.designations:
            itin_of_designation[d.pk] = itin

    by_export: dict[int, list[Designation]] = defaultdict(list)
    for d in designations:
        by_export[d.export_id].append(d)
    exports = []
    export_rows = []

    def chronological(ds: list[Designation]) -> tuple:
        return (ds[0].export.export_date, ds[0].export.export_ref)

    manufactured, mtin_of_lot = (
        _manufactured(claim, designations, itin_of_designation, ruling_number, start=len(imports) + 1)
        if manufacturing
        else ([], {})
    )
    for items in sorted(by_export.values(), key=chronological):
        export = items[0].export
        if export.export_date > transmission_date:
            # 19 U.S.C. 1313(j): drawback is claimed on goods already exported or destroyed (PF-10).
            raise CatairError(
                f"export {export.export_ref} is dated {export.export_date:%m/%d/%Y}, after the transmission "
                f"date {transmission_date:%m/%d/%Y}: only goods already exported or destroyed are claimed"
            )
        itins = sorted({itin_of_designation[d.pk] for d in items})
        if manufacturing:
            # The exported articles are linked through the manufactured articles (73), not the imports.
            exports.append(_export_item(claim, items[0].export, items, []))
            exports[-1].mtins = sorted({mtin_of_lot[d.manufacture["lot"]] for d in items})
            exports[-1].quantity = export.quantity
        else:
            exports.append(_export_item(claim, items[0].export, items, itins))
        export_rows.append((exports[-1], items[0].export, items))

    sums = {"duty": ZERO, "user_fee": ZERO, "ir_tax": ZERO}
    for cls, amount in filed.items():
        sums[total_group(cls)] += amount
    if len(filed) > 36:
        raise CatairError(f"{len(filed)} accounting classes; the 89-record holds at most 36 (9 x 4)")

    number = claim.replaces.number if claim.replaces_id else claim.number
    destroyed = any(e.indicator == "D" for e in exports)
    accelerated = claim.accelerated_payment
    header = ClaimHeader(
        action="R" if claim.replaces_id else "A",
        filer_code=number[:3],
        entry_number=number[3:],
        port=claim.drawback_port,
        provision=claim.provision,
        claimant_id=clean_text(claim.client.importer_number, 12),
        broker_reference=clean_text(broker_reference, 9),
        bond_waiver="" if accelerated else "0",
        bond_waiver_reason="" if accelerated else "999",
        accelerated_payment=accelerated,
        waiver_prior_notice=claim.waiver_prior_notice,
        petroleum_certification=claim.provision in PETROLEUM_PROVISIONS,
        oil_spill_certification="674" in filed,
        electronic_signature=True,
        wine_certification=claim.provision in WINE_PROVISIONS,
        bom_certification=claim.provision in BOM_PROVISIONS,
        destroyed_valuation_certification=destroyed and claim.provision in DESTROYED_VALUATION_PROVISIONS,
        retail_substitution=claim.provision in RETAIL_PROVISIONS
        and any(d.method == "substitution" for d in designations),
        superfund_certification="374" in filed,
    )
    claim_file = ClaimFile(
        header=header,
        bond=_bond(claim, transmission_date) if accelerated else None,
        imports=imports,
        manufactured=manufactured,
        exports=exports,
        class_totals=filed,
        duty_total=sums["duty"],
        user_fee_total=sums["user_fee"],
        ir_tax_total=sums["ir_tax"],
        shortfalls=shortfalls,
    )
    return FilingPlan(
        claim_file=claim_file,
        imports=[(item, group.line, group.designations) for item, group in zip(imports, groups, strict=True)],
        exports=export_rows,
        itin_of_designation=itin_of_designation,
    )


def assemble_transmission(
    *, claim_files: list[tuple[Claim, ClaimFile]], transmission_date: dt.date, sender: Sender | None = None
) -> CatairFile:
    """A batch of built claim files: one block per (drawback port, filer code), claims in the order given."""
    if not claim_files:
        raise CatairError("no claims to write")
    first = claim_files[0][0]
    sender = sender or Sender.from_settings(filer_code=first.number[:3], port=first.drawback_port)
    blocks: dict[tuple[str, str], Block] = {}
    for claim, claim_file in claim_files:
        key = (claim.drawback_port, claim_file.header.filer_code)
        if key not in blocks:
            blocks[key] = Block(port=key[0], filer_code=key[1], filer_office=clean_an(sender.office_code, 2))
        blocks[key].claims.append(claim_file)
    envelope = Envelope(
        site_code=clean_an(sender.site_code, 4),
        sender_id=clean_an(sender.sender_id, 3),
        transmission_date=transmission_date,
        password=clean_an(sender.password, 6),
        office_code=clean_an(sender.office_code, 2),
        user_data=clean_text(sender.user_data, 21),
    )
    return CatairFile(envelope=envelope, blocks=list(blocks.values()))


def build_catair_file(
    *, claims: list[Claim], transmission_date: dt.date, sender: Sender | None = None
) -> CatairFile:
    """A batch of claims read from the database (see assemble_transmission)."""
    return assemble_transmission(
        claim_files=[(c, build_claim_file(claim=c, transmission_date=transmission_date)) for c in claims],
        transmission_date=transmission_date,
        sender=sender,
    )


def claims_to_catair(*, claims: list[Claim], transmission_date: dt.date, sender: Sender | None = None) -> str:
    """Several claims in one transmission (A, B..Y per port and filer, Z)."""
    return render_file(build_catair_file(claims=claims, transmission_date=transmission_date, sender=sender))


def claim_to_catair(*, claim: Claim, transmission_date: dt.date, sender: Sender | None = None) -> str:
    """One claim as a whole CATAIR transmission (A, B, 10 ... 90, Y, Z); 80 upper-case characters a line."""
    return claims_to_catair(claims=[claim], transmission_date=transmission_date, sender=sender)
