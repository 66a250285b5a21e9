"""One test per pre-flight rule: each passes on a good claim and fails on one crafted to break it, pointing
at the designation, line or export concerned."""

import datetime as dt
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import pytest

from claims import preflight
from claims.models import Claim, ClaimClassTotal, Designation
from claims.preflight import RULES, claim_preflight
from claims.services import claim_correction_create
from drawback.accounts.models import Client, Privilege
from exports.models import Export, NoticeOfIntent
from imports.models import Document, ImportEntry, ImportLine, LineCh99Duty, TariffLine
from tests.factories import (
    AcceleratedPaymentFactory,
    ClaimFactory,
    DesignationFactory,
    DocumentFactory,
    ImportLineFactory,
    PrivilegeFactory,
    build_claim,
)

S = Claim.Status
ON = dt.date(2025, 7, 1)


def update(obj, **values):
    type(obj).objects.filter(pk=obj.pk).update(**values)
    obj.refresh_from_db()


def other_claim(ctx, status=S.DRAFT, **designation):
    claim = ClaimFactory(client=ctx.client, preparer=ctx.claim.preparer, status=status)
    return DesignationFactory(claim=claim, **designation)


def manufacturing_ready(ctx):
    PrivilegeFactory(client=ctx.client, kind=Privilege.Kind.MANUFACTURING_RULING, reference="T.D. 81-234")
    bom = DocumentFactory(client=ctx.client, doc_type=Document.Type.BILL_OF_MATERIALS)
    ctx.export.documents.add(bom)


def manufacturing_records(ctx):
    """The designation built from the client's records: its lot, bill of materials and ruling."""
    from claims.models import BillOfMaterials, BomItem, ProductionLot

    PrivilegeFactory(
        client=ctx.client,
        kind=Privilege.Kind.MANUFACTURING_RULING,
        reference="H777001",
        granted_on=dt.date(2015, 1, 1),
    )
    bom = BillOfMaterials.objects.create(
        client=ctx.client,
        article_part="A1",
        article_hts=ctx.export.hts,
        article_uom=ctx.export.uom,
        ruling="H777001",
    )
    BomItem.objects.create(
        bom=bom, position=1, kind="component", hts=ctx.line.hts, quantity=1, uom=ctx.line.uom
    )
    ProductionLot.objects.create(
        client=ctx.client,
        lot="L1",
        bom=bom,
        quantity=10,
        started_on=ctx.line.import_date,
        finished_on=ctx.line.import_date,
    )
    update(ctx.des, manufacture={"lot": "L1", "component": ctx.line.hts, "basis": "01", "ruling": "H777001"})


def rejected_return(ctx):
    from claims.models import RejectedReturn

    RejectedReturn.objects.create(
        client=ctx.client,
        return_ref="RMA-1",
        reason="retail",
        entry_number=ctx.entry.entry_number,
        line_number=ctx.line.line_number,
        import_line=ctx.line,
        part="SKU-1",
        quantity=ctx.des.quantity,
        uom=ctx.line.uom,
        rejected_on=ctx.line.import_date,
        returned_on=ctx.line.import_date,
        proof="Return authorisation RA-1",
        export_ref=ctx.export.export_ref,
    )


def retail_designated(ctx):
    """The claim's line designated under 1313(c)(2) for a retail return of goods from another line: both
    lines are part SKU-1 (the returns naming them say so), the designated one imported within the year."""
    from claims.models import RejectedReturn

    update(ctx.line, import_date=dt.date(2024, 6, 1))
    own = ImportLineFactory(entry__client=ctx.client, import_date=dt.date(2024, 1, 10))
    for ref, line, export_ref in (("RMA-1", own, ctx.export.export_ref), ("RMA-0", ctx.line, "")):
        RejectedReturn.objects.create(
            client=ctx.client,
            return_ref=ref,
            reason="retail",
            entry_number=line.entry.entry_number,
            line_number=line.line_number,
            import_line=line,
            part="SKU-1",
            quantity=ctx.des.quantity,
            uom=line.uom,
            rejected_on=dt.date(2024, 6, 10),
            returned_on=dt.date(2024, 6, 20),
            proof="Return authorisation",
            export_ref=export_ref,
        )


def correction_of(ctx):
    update(ctx.claim, status=S.ACCEPTED)
    ctx.claim = claim_correction_create(claim=ctx.claim, by=ctx.claim.preparer)


@dataclass
class Case:
    id: str
    rule: str
    severity: str
    breaks: Callable
    provision: str = "59"
    on: dt.date = ON
    broken_on: dt.date | None = None
    prepare: Callable | None = None
    build: dict = field(default_factory=dict)
    points_at: str | None = None  # "designation", "import_line" or "export"


def ProductionLotModel():  # noqa: N802 - the model class, imported where the case runs
    from claims.models import ProductionLot

    return ProductionLot


def RejectedReturnModel():  # noqa: N802
    from claims.models import RejectedReturn

    return RejectedReturn


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


CASES = [
    Case("port", "PF-03", "error", lambda c: update(c.claim, drawback_port="2704")),
    Case(
        "claim-check-digit",
        "PF-04",
        "error",
        lambda c: update(c.claim, number=wrong_check_digit(c.claim.number)),
    ),
    Case("claim-filer-code", "PF-04", "error", lambda c: update(c.claim, number="ABC00000017")),
    Case(
        "entry-check-digit",
        "PF-05",
        "error",
        lambda c: update(c.entry, entry_number=wrong_check_digit(c.entry.entry_number)),
        points_at="import_line",
    ),
    Case("core-provision", "PF-06", "error", lambda c: update(c.claim, provision="09")),
    Case(
        "designation-provision",
        "PF-06",
        "error",
        lambda c: update(c.des, provision="58"),
        points_at="designation",
    ),
    Case(
        "method", "PF-06-METHOD", "error", lambda c: update(c.des, method="direct"), points_at="designation"
    ),
    Case(
        "mpf-on-rejected",
        "PF-06-CLASS",
        "error",
        lambda c: (update(c.claim, provision="53"), update(c.des, provision="53")),
        points_at="designation",
    ),
    Case(
        "unknown-class",
        "PF-06-CLASS",
        "error",
        lambda c: update(c.des, amounts={**c.des.amounts, "999": {"claim": "1", "calculated": "1"}}),
    ),
    Case(
        "user-fee-class",
        "PF-06-CLASS",
        "warning",
        lambda c: update(c.des, amounts={**c.des.amounts, "055": {"claim": "1", "calculated": "1"}}),
    ),
    Case("unit", "PF-08", "error", lambda c: update(c.export, uom="PCS"), points_at="designation"),
    Case("8-digit", "PF-08", "error", lambda c: update(c.export, hts="6110200010"), points_at="designation"),
    Case(
        "other-rule",
        "PF-08",
        "error",
        lambda c: (
            TariffLine.objects.create(hts="61091000", description="Other", begins_with_other=True),
            update(c.export, hts="6109100060"),
        ),
    ),
    Case("import-hts-digits", "PF-08", "error", lambda c: update(c.line, hts="61091000")),
    Case("no-destination", "PF-09", "error", lambda c: update(c.export, destination=""), points_at="export"),
    Case(
        "destroyed-with-country",
        "PF-09",
        "error",
        lambda c: update(c.export, disposition=Export.Disposition.DESTROY),
        prepare=lambda c: NoticeOfIntent.objects.update(intended_action="destroy"),
    ),
    Case("export-hts", "PF-09", "error", lambda c: update(c.export, hts="12345")),
    # DBK-025: an export on the fifth anniversary is late (strict window).
    Case(
        "window",
        "PF-10-WINDOW",
        "error",
        lambda c: update(c.line, import_date=dt.date(2020, 6, 1)),
        points_at="designation",
    ),
    # DBK-027: a substitution export may not precede the designated import.
    Case(
        "order",
        "PF-10-ORDER",
        "error",
        lambda c: update(c.line, import_date=dt.date(2025, 6, 2)),
        points_at="designation",
    ),
    # DBK-026: the export must precede the claim.
    Case("before-filing", "PF-10-BEFORE-FILING", "error", lambda c: None, broken_on=dt.date(2025, 5, 31)),
    # DBK-022: one day past the fifth anniversary of the import.
    Case(
        "claim-window",
        "PF-10-CLAIM",
        "error",
        lambda c: None,
        on=dt.date(2029, 3, 1),
        broken_on=dt.date(2029, 3, 2),
    ),
    # DBK-020: retail returns may designate an import made within 1 year before the export.
    Case(
        "retail-year",
        "PF-10-RETAIL",
        "error",
        lambda c: update(c.line, import_date=dt.date(2024, 5, 31)),
        provision="56",
        prepare=lambda c: update(c.line, import_date=dt.date(2024, 6, 1)),
        build={"method": "substitution"},
        points_at="designation",
    ),
    Case(
        "replacement-window",
        "PF-10-R",
        "error",
        lambda c: None,
        prepare=correction_of,
        on=dt.date(2028, 7, 1),
        broken_on=dt.date(2030, 6, 2),
    ),
    Case(
        "line-over-designated",
        "PF-11-LINE",
        "error",
        lambda c: other_claim(c, import_line=c.line, quantity=Decimal("60")),
        points_at="import_line",
    ),
    Case("ledger-out-of-step", "PF-11-LINE", "warning", lambda c: update(c.line, quantity_available=100)),
    Case(
        "export-claimed-twice",
        "PF-11-EXPORT",
        "error",
        lambda c: other_claim(c, export=c.export, quantity=Decimal("10")),
        points_at="export",
    ),
    Case(
        "one-method",
        "PF-11-METHOD",
        "error",
        lambda c: other_claim(c, import_line=c.line, method="direct", quantity=Decimal("1")),
        points_at="designation",
    ),
    Case(
        "claim-over-calculated",
        "PF-12",
        "error",
        lambda c: update(
            c.des, amounts={**c.des.amounts, "364": {"claim": "816.76", "calculated": "816.75"}}
        ),
        points_at="designation",
    ),
    Case(
        "over-99-percent",
        "PF-12",
        "error",
        lambda c: update(c.des, amounts={**c.des.amounts, "364": {"claim": "820", "calculated": "820"}}),
        points_at="import_line",
    ),
    Case(
        "across-claims",
        "PF-13",
        "error",
        lambda c: other_claim(
            c,
            status=S.ACCEPTED,
            import_line=c.line,
            quantity=Decimal("1"),
            amounts={"364": {"claim": "900", "calculated": "900"}},
        ),
        points_at="import_line",
    ),
    Case(
        "total-differs",
        "PF-14",
        "error",
        lambda c: ClaimClassTotal.objects.filter(accounting_class="364").update(claim_amount=800),
    ),
    Case(
        "zero-class",
        "PF-14",
        "error",
        lambda c: ClaimClassTotal.objects.create(
            claim=c.claim, accounting_class="398", claim_amount=0, calculated_amount=0
        ),
    ),
    Case("no-totals", "PF-14", "error", lambda c: ClaimClassTotal.objects.all().delete()),
    Case(
        "ap-without-privilege",
        "PF-15",
        "error",
        lambda c: Privilege.objects.all().delete(),
        prepare=lambda c: (
            AcceleratedPaymentFactory(client=c.client),
            update(c.claim, accelerated_payment=True),
        ),
    ),
    Case(
        "bond-not-yet-effective",
        "PF-15",
        "error",
        lambda c: Privilege.objects.update(bond_effective_on=dt.date(2025, 7, 2)),
        prepare=lambda c: (
            AcceleratedPaymentFactory(client=c.client),
            update(c.claim, accelerated_payment=True),
        ),
    ),
    Case(
        "stb-without-number",
        "PF-15",
        "error",
        lambda c: Privilege.objects.update(bond_type="9", bond_amount=5000, bond_number=""),
        prepare=lambda c: (
            AcceleratedPaymentFactory(client=c.client),
            update(c.claim, accelerated_payment=True),
        ),
    ),
    Case(
        "no-notice",
        "CFR-190.35",
        "error",
        lambda c: NoticeOfIntent.objects.all().delete(),
        points_at="export",
    ),
    # DBK-046: 5 working days before export; filed on Thursday 22 May for Sunday 1 June is 4 working days.
    Case(
        "late-notice",
        "CFR-190.35",
        "error",
        lambda c: NoticeOfIntent.objects.update(filed_on=dt.date(2025, 5, 23)),
    ),
    Case(
        "exam-missed",
        "CFR-190.35",
        "error",
        lambda c: NoticeOfIntent.objects.update(cbp_decision=NoticeOfIntent.Decision.EXAMINE),
    ),
    Case(
        "waiver-not-marked",
        "CFR-190.35",
        "error",
        lambda c: NoticeOfIntent.objects.all().delete(),
        prepare=lambda c: PrivilegeFactory(client=c.client, kind=Privilege.Kind.WAIVER_PRIOR_NOTICE),
    ),
    Case("waiver-missing", "CFR-190.91", "error", lambda c: update(c.claim, waiver_prior_notice=True)),
    Case(
        "manufacturing-ruling",
        "CFR-190.8",
        "error",
        lambda c: Privilege.objects.filter(kind=Privilege.Kind.MANUFACTURING_RULING).delete(),
        provision="52",
        prepare=manufacturing_ready,
        build={"classes": ("364",)},
    ),
    Case(
        "lot-finished-before-import",
        "MFG-LOT",
        "error",
        lambda c: ProductionLotModel().objects.update(finished_on=c.line.import_date - dt.timedelta(days=1)),
        provision="52",
        prepare=lambda c: (manufacturing_ready(c), manufacturing_records(c)),
        build={"classes": ("364",)},
        points_at="designation",
    ),
    Case(
        "retail-designation-part",
        "RET-C2",
        "error",
        lambda c: RejectedReturnModel().objects.filter(return_ref="RMA-0").update(part="SKU-2"),
        provision="56",
        prepare=retail_designated,
        build={"method": "substitution", "classes": ("364",)},
        points_at="designation",
    ),
    Case(
        "return-without-proof",
        "CFR-190.42",
        "error",
        lambda c: RejectedReturnModel().objects.update(proof=""),
        provision="56",
        prepare=rejected_return,
        build={"classes": ("364",)},
        points_at="designation",
    ),
    Case(
        "no-bill-of-materials",
        "CFR-190.51-BOM",
        "error",
        lambda c: Document.objects.all().delete(),
        provision="52",
        prepare=manufacturing_ready,
        build={"classes": ("364",)},
    ),
    Case(
        "bill-of-materials-not-attached",
        "CFR-190.51-BOM",
        "warning",
        lambda c: c.export.documents.clear(),
        provision="52",
        prepare=manufacturing_ready,
        build={"classes": ("364",)},
    ),
    # DBK-011: (j)(2) substitution export to Canada.
    Case("usmca", "PF-17", "error", lambda c: update(c.export, destination="CA"), points_at="export"),
    Case(
        "usmca-excepted",
        "PF-17",
        "warning",
        lambda c: update(c.export, destination="MX", excepted_goods=True),
    ),
    Case("claimant-id", "PF-18", "error", lambda c: Client.objects.update(importer_number="12-34")),
    Case("no-designations", "PF-19", "error", lambda c: Designation.objects.all().delete()),
    Case(
        "too-many-classifications",
        "PF-19",
        "error",
        lambda c: LineCh99Duty.objects.bulk_create(
            LineCh99Duty(line=c.line, ordinal=i, number=f"9903.88.{i:02d}", amount=0) for i in range(32)
        ),
        points_at="import_line",
    ),
    Case(
        "section-232-parts",
        "PF-20",
        "error",
        lambda c: LineCh99Duty.objects.create(
            line=c.line, ordinal=1, number="9903.74.08", amount=Decimal("100")
        ),
        provision="52",
        prepare=manufacturing_ready,
        build={"classes": ("364",)},
        on=dt.date(2025, 10, 31),
        points_at="import_line",
    ),
    Case(
        "direct-id-other-line",
        "DIRECT-ID",
        "error",
        lambda c: update(c.export, direct_line=ImportLineFactory(entry__client=c.client)),
        provision="58",
        points_at="designation",
    ),
    Case(
        "direct-id-untraced",
        "DIRECT-ID",
        "warning",
        lambda c: update(c.export, direct_line=None),
        provision="58",
    ),
    Case(
        "other-clients-export",
        "DATA",
        "error",
        lambda c: update(c.export, client=Client.objects.get(code="borealis")),
        points_at="designation",
    ),
    Case(
        "replacement-header",
        "PF-R",
        "error",
        lambda c: update(c.claim, drawback_port="3901"),
        prepare=correction_of,
    ),
    Case("cape-waiting", "CAPE", "error", lambda c: cape_state(c, "declared"), points_at="designation"),
    Case(
        "cape-ieepa-refunded",
        "CAPE-IEEPA-REFUNDED",
        "error",
        lambda c: cape_state(c, "refunded", counted=True),
        points_at="designation",
    ),
]


def cape_state(c, status, counted=False):
    """The designated line paid IEEPA duty; its entry is in this CAPE status. `counted`: the designation
    counted that IEEPA duty (99% of it for the quantity), as a claim made before CBP refunded it would."""
    from claims.cape.models import CapeEntry
    from tests.claims.cape.cape_data import ensure_chapter99

    ensure_chapter99()
    LineCh99Duty.objects.create(line=c.line, ordinal=1, number="9903.01.25", amount=Decimal("1000.00"))
    CapeEntry.objects.create(client=c.client, entry=c.entry, status=status, refund_amount=Decimal("1000.00"))
    if counted:
        share = c.des.quantity / c.line.quantity
        amount = str(Decimal("0.99") * (c.line.duty + Decimal("1000.00")) * share)
        update(c.des, amounts={**c.des.amounts, "364": {"claim": amount, "calculated": amount}})


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.id}")
def test_rule_passes_on_a_good_claim_and_fails_on_a_broken_one(case, client_a, client_b, analyst):
    claim = build_claim(client=client_a, preparer=analyst, provision=case.provision, **case.build)
    des = claim.designations.get()
    ctx = SimpleNamespace(
        claim=claim,
        des=des,
        line=des.import_line,
        export=des.export,
        entry=des.import_line.entry,
        client=client_a,
    )
    if case.prepare:
        case.prepare(ctx)
    good = claim_preflight(claim=ctx.claim, on=case.on)
    assert [i for i in good if i.rule == case.rule] == []
    case.breaks(ctx)
    found = [i for i in claim_preflight(claim=ctx.claim, on=case.broken_on or case.on) if i.rule == case.rule]
    assert found, f"{case.rule} did not fire"
    assert found[0].severity == case.severity, found[0].message
    if case.points_at == "designation":
        assert (
            found[0].designation_id == ctx.des.pk
            or Designation.objects.filter(pk=found[0].designation_id).exists()
        )
    elif case.points_at == "import_line":
        assert found[0].import_line_id == ctx.line.pk
    elif case.points_at == "export":
        assert found[0].export_id == ctx.export.pk


def test_every_rule_has_a_case():
    covered = {c.rule for c in CASES} | {"PF-01"}  # PF-01 has its own tests below
    assert {r.id for r in RULES} == covered


@pytest.mark.parametrize("provision, build", [("59", {}), ("58", {}), ("56", {"classes": ("364",)})])
def test_good_claims_have_no_errors(provision, build, client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst, provision=provision, **build)
    issues = claim_preflight(claim=claim, on=ON)
    assert [i for i in issues if i.severity != "info"] == []


def test_a_good_manufacturing_claim_has_no_errors(client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst, provision="52", classes=("364",))
    des = claim.designations.get()
    manufacturing_ready(SimpleNamespace(client=client_a, export=des.export))
    # Every regulatory rule passes; only the claim file is refused: designated by hand, the claim names no
    # production lot, which the 50-record needs (claims built from the client's records name theirs).
    issues = [i for i in claim_preflight(claim=claim, on=ON) if i.severity != "info"]
    assert [(i.rule, i.severity) for i in issues] == [("PF-01", "error")]
    assert "needs the production lot its" in issues[0].message


def test_the_export_window_follows_the_firm_setting(client_a, analyst):
    """Product decision 1: `inclusive` lets an export on the anniversary through."""
    claim = build_claim(client=client_a, preparer=analyst)
    line = claim.designations.get().import_line
    update(line, import_date=dt.date(2020, 6, 1))
    assert any(i.rule == "PF-10-WINDOW" for i in claim_preflight(claim=claim, on=ON))
    client_a.firm.export_window = "inclusive"
    client_a.firm.save()
    assert not any(i.rule == "PF-10-WINDOW" for i in claim_preflight(claim=claim, on=ON))


def test_leap_day_import_claim_deadline(client_a, analyst):
    """DBK-048: five years after 29 February 2020 is 28 February 2025."""
    claim = build_claim(client=client_a, preparer=analyst)
    line = claim.designations.get().import_line
    update(line, import_date=dt.date(2020, 2, 29))
    ImportEntry.objects.filter(pk=line.entry_id).update(import_date=dt.date(2020, 2, 29))
    update(claim.designations.get().export, export_date=dt.date(2024, 6, 3))
    NoticeOfIntent.objects.update(filed_on=dt.date(2024, 5, 1))
    rules_on = {d: {i.rule for i in claim_preflight(claim=claim, on=d)} for d in ON_DATES}
    assert "PF-10-CLAIM" not in rules_on[dt.date(2025, 2, 28)]
    assert "PF-10-CLAIM" in rules_on[dt.date(2025, 3, 1)]


ON_DATES = [dt.date(2025, 2, 28), dt.date(2025, 3, 1)]


def test_destruction_needs_seven_working_days_notice(client_a, analyst):
    """DBK-046: for a destruction on Friday 13 June 2025 the 7553 must be filed by Wednesday 4 June."""
    claim = build_claim(client=client_a, preparer=analyst)
    export = claim.designations.get().export
    update(export, disposition=Export.Disposition.DESTROY, destination="", export_date=dt.date(2025, 6, 13))
    NoticeOfIntent.objects.update(intended_action="destroy", filed_on=dt.date(2025, 6, 4))
    assert not any(i.rule == "CFR-190.35" for i in claim_preflight(claim=claim, on=ON))
    NoticeOfIntent.objects.update(filed_on=dt.date(2025, 6, 5))
    messages = [i.message for i in claim_preflight(claim=claim, on=ON) if i.rule == "CFR-190.35"]
    assert messages and "7 working days before 2025-06-13, by 2025-06-04" in messages[0]


def test_waiver_of_prior_notice_replaces_the_notice(client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst, waiver_prior_notice=True)
    NoticeOfIntent.objects.all().delete()
    PrivilegeFactory(client=client_a, kind=Privilege.Kind.WAIVER_PRIOR_NOTICE, granted_on=dt.date(2025, 1, 1))
    assert [i for i in claim_preflight(claim=claim, on=ON) if i.severity != "info"] == []


def test_record_limit_of_imports_per_claim(client_a, analyst, monkeypatch):
    claim = build_claim(client=client_a, preparer=analyst)
    monkeypatch.setattr(preflight, "MAX_IMPORTS", 0)
    messages = [i.message for i in claim_preflight(claim=claim, on=ON) if i.rule == "PF-19"]
    assert messages == ["1 import lines; a claim holds at most 0 (CAT27)."]


def test_catair_syntax_problems_are_errors_when_the_writer_is_there(client_a, analyst, monkeypatch):
    claim = build_claim(client=client_a, preparer=analyst)
    fake = types.ModuleType("claims.catair")
    seen = {}

    def claim_to_catair(*, claim, transmission_date, sender):
        seen["args"] = (claim.pk, transmission_date)
        return "10A..."

    fake.Sender = types.SimpleNamespace(for_checks=lambda **kwargs: None)
    fake.claim_to_catair = claim_to_catair
    fake.validate_claim_file = lambda text, **offsets: (
        ["line 2: record is 79 characters, not 80"] if text else []
    )
    monkeypatch.setitem(sys.modules, "claims.catair", fake)
    issues = [i for i in claim_preflight(claim=claim, on=ON) if i.rule == "PF-01"]
    assert [(i.severity, i.message) for i in issues] == [("error", "line 2: record is 79 characters, not 80")]
    assert seen["args"] == (claim.pk, ON)


def test_issues_are_ordered_errors_first_and_serialisable(client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst, provision="58")
    update(claim, drawback_port="2704")
    Export.objects.update(direct_line=None)
    issues = claim_preflight(claim=claim, on=ON)
    severities = [i.severity for i in issues]
    assert {"error", "warning"} <= set(severities)
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert issues[0].as_dict()["rule"] == "PF-03"


def test_filing_time_rules_alone(client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst)
    update(claim, drawback_port="2704")
    issues = claim_preflight(claim=claim, on=dt.date(2025, 5, 1), only=preflight.FILING_TIME_RULES)
    assert {i.rule for i in issues} == {"PF-10-BEFORE-FILING"}


def test_quantities_on_other_clients_lines_do_not_count(client_a, client_b, analyst):
    claim = build_claim(client=client_a, preparer=analyst)
    assert ImportLine.objects.filter(client=client_b).count() == 0
    assert [i for i in claim_preflight(claim=claim, on=ON) if i.is_error] == []
