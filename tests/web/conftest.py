"""Data for the page and API tests: two clients of one firm with entries, lines, exports, documents and
findings (`data`), what the firm's staff then make of them (`with_staff_work`: uploads, a column mapping,
claims in review and at CBP with designations, class totals, review comments, the filing package, a CF-28
request and its notifications), plus an outside firm, and stored files kept in a temporary directory."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims.cbp import services as cbp_services
from claims.cbp.gateway import Response
from claims.cbp.sandbox import SandboxGateway
from claims.jobs.models import Job
from claims.models import Finding
from claims.services import claim_reopen, claim_validate
from imports.feeds import feed_save
from imports.ingest.core import get_parser
from imports.models import Document, LineCh99Duty
from imports.services import column_mapping_save, upload_ingest_now
from reviews.services import LineComment, checklist_items, review_approve, review_return, review_start
from tests.factories import (
    ClientFactory,
    ExportFactory,
    FirmFactory,
    ImportEntryFactory,
    ImportLineFactory,
    UserFactory,
    build_claim,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are created in every test here; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_document(
    client, *, name="invoice.pdf", content=PDF, user=None, doc_type=Document.Type.COMMERCIAL_INVOICE
):
    import hashlib

    document = Document(
        client=client,
        doc_type=doc_type,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    document.file.save(f"{client.code}-{name}", ContentFile(content), save=False)
    document.save()
    return document


def client_data(client, *, marker: str, filer: str):
    """An entry with two lines (one with a Chapter 99 duty), an export, a document and a finding."""
    from drawback.lib.entry_numbers import make

    entry = ImportEntryFactory(
        client=client,
        entry_number=make(filer, 1234567),
        import_date=dt.date(2024, 3, 1),
        importer_name=f"{marker} Importer",
    )
    line1 = ImportLineFactory(
        entry=entry, line_number=1, description=f"{marker} cotton t-shirts", hts="6109100012"
    )
    line2 = ImportLineFactory(
        entry=entry,
        line_number=2,
        description=f"{marker} steel bolts",
        hts="7318150000",
        country_of_origin="CN",
    )
    LineCh99Duty.objects.create(line=line2, ordinal=1, number="9903.88.03", amount=Decimal("250.00"))
    export = ExportFactory(client=client, export_ref=f"{marker}-X1", description=f"{marker} export")
    document = make_document(client, name=f"{marker}-invoice.pdf", content=PDF + f"% {marker}\n".encode())
    entry.documents.add(document)
    finding = Finding.objects.create(
        client=client,
        rule="R-TEST",
        severity=Finding.Severity.ERROR,
        message=f"{marker} finding",
        entry=entry,
        fingerprint=f"{marker}-1",
    )
    bom, lot, rejected = manufacturing_records(client, marker=marker, line=line1, export=export)
    return SimpleNamespace(
        client=client,
        entry=entry,
        line=line1,
        line2=line2,
        export=export,
        document=document,
        finding=finding,
        bom=bom,
        lot=lot,
        rejected_return=rejected,
    )


def manufacturing_records(client, *, marker: str, line, export):
    """A bill of materials with one component, a lot made from it, and a rejected return of the line."""
    from claims.manufacturing.models import (
        BillOfMaterials,
        BomItem,
        LotComponent,
        ProductionLot,
        RejectedReturn,
    )

    bom = BillOfMaterials.objects.create(
        client=client,
        article_part=f"{marker}-ART",
        article_hts="6109100012",
        article_uom="DOZ",
        ruling=f"{marker}-RULING",
    )
    BomItem.objects.create(
        bom=bom, position=1, kind="component", hts=line.hts, quantity=Decimal(1), uom="DOZ"
    )
    lot = ProductionLot.objects.create(
        client=client,
        lot=f"{marker}-LOT",
        bom=bom,
        quantity=Decimal(10),
        started_on=dt.date(2024, 4, 1),
        finished_on=dt.date(2024, 4, 30),
        export_refs=[export.export_ref],
    )
    LotComponent.objects.create(
        lot=lot,
        position=1,
        hts=line.hts,
        quantity=Decimal(10),
        uom="DOZ",
        entry_number=line.entry.entry_number,
        line_number=line.line_number,
        import_line=line,
    )
    rejected = RejectedReturn.objects.create(
        client=client,
        return_ref=f"{marker}-RMA",
        reason="defective",
        entry_number=line.entry.entry_number,
        line_number=line.line_number,
        import_line=line,
        quantity=Decimal(1),
        uom="DOZ",
        rejected_on=dt.date(2024, 5, 1),
        returned_on=dt.date(2024, 5, 10),
        proof=f"{marker} inspection report",
        export_ref=export.export_ref,
    )
    return bom, lot, rejected


def upload_with_reject(client, *, marker: str, filer: str, user, folder):
    """An imports.csv loaded through the upload service with its valid row kept and one row rejected (its
    HTS is the marker), and the client's own column mapping for that kind of file."""
    from drawback.lib.entry_numbers import make

    path = folder / f"{marker}-imports.csv"
    path.write_text(
        "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty,description\n"
        f"{make(filer, 7654321)},1,2024-04-02,6109100012,10,DOZ,1000.00,165.00,{marker} polo shirts\n"
        f"{make(filer, 7654321)},2,2024-04-02,{marker},10,DOZ,1000.00,165.00,{marker} rejected row\n"
    )
    upload = upload_ingest_now(client=client, kind="imports", path=path, user=user, allow_partial=True)[0]
    mapping = column_mapping_save(
        client=client,
        kind="imports",
        name=f"{marker} layout",
        mapping={field.key: field.key for field in get_parser("imports").fields},
        user=user,
    )
    return upload, mapping


def tariff_upload(*, marker: str, user, folder):
    """An HTS schedule loaded by `user` (a platform administrator, or None for the command line: only they
    load the tariff every firm shares), with one rejected row."""
    path = folder / f"{marker}-hts.csv"
    path.write_text(
        '"HTS Number","Indent","Description","Unit of Quantity","General Rate of Duty"\n'
        '"6109.10.00","1","Of cotton","","16.5%"\n'
        f'"{marker}","2","{marker} not a tariff number","doz. kg",""\n'
    )
    return upload_ingest_now(client=None, kind="hts", path=path, user=user, allow_partial=True)[0]


def claim_in_review(client, *, marker: str, preparer, reviewer):
    """A claim returned once with a reviewer's comment on its designation, corrected and sent to first
    review again: it waits in the level-1 queue with its review history."""
    claim = build_claim(client=client, preparer=preparer, notes=f"{marker} claim in review")
    claim_validate(claim=claim, by=preparer)
    review_start(claim=claim, by=preparer)
    designation = claim.designations.get()
    review_return(
        claim=claim,
        by=reviewer,
        comment=f"{marker} overall review comment",
        line_comments=[LineComment(f"{marker} review comment", designation_id=designation.pk)],
    )
    claim_reopen(claim=claim, by=preparer)
    claim_validate(claim=claim, by=preparer)
    review_start(claim=claim, by=preparer)
    claim.refresh_from_db()
    return claim


def claim_at_cbp(client, *, marker: str, preparer, reviewer, reviewer2):
    """A claim through both reviews, filed with CBP (which builds and keeps its filing package), accepted
    and then asked for information by a CF-28: the request is assigned to the preparer and notified to
    the preparer and the client's users."""
    claim = build_claim(client=client, preparer=preparer, notes=f"{marker} claim at CBP")
    claim_validate(claim=claim, by=preparer)
    review_start(claim=claim, by=preparer)
    for level, who in ((1, reviewer), (2, reviewer2)):
        review_approve(claim=claim, by=who, level=level, ticked=[i.pk for i in checklist_items(level)])
    cbp_services.claim_file(claim=claim, by=preparer, gateway=SandboxGateway())
    for message_id, kind, payload in (
        (f"{marker}-dx", "accepted", {"disposition": "A", "conditions": []}),
        (
            f"{marker}-cf28",
            "cf28",
            {"issued_on": "2025-09-01", "reference": f"{marker}-CF28", "text": f"{marker} send the invoices"},
        ),
    ):
        cbp_services.cbp_message_store(
            response=Response(
                message_id=message_id,
                claim_number=claim.number,
                kind=kind,
                cbp_date=dt.date(2025, 9, 1),
                payload=payload,
            ),
            gateway_name="test",
        )
    cbp_services.cbp_claim_messages_process(claim_id=claim.pk)
    claim.refresh_from_db()
    return claim


def claim_after_liquidation(client, *, marker: str, preparer, status: str):
    """A filed claim CBP liquidated ten days ago (within the protest window), put in `status`; under
    protest, with its protest on record. Set as a factory would: the path there is tested elsewhere."""
    from django.utils import timezone

    from claims.cbp.models import Liquidation, Protest
    from claims.models import Claim

    claim = build_claim(client=client, preparer=preparer, notes=f"{marker} claim {status}")
    liquidated_on = timezone.localdate() - dt.timedelta(days=10)
    Claim.objects.filter(pk=claim.pk).update(status=status, filed_on=liquidated_on - dt.timedelta(days=300))
    Liquidation.objects.create(
        claim=claim, liquidated_on=liquidated_on, amounts={"364": "10.00"}, total=Decimal("10.00")
    )
    if status == Claim.Status.PROTEST_FILED:
        Protest.objects.create(
            claim=claim,
            number="270426100123",
            filed_on=liquidated_on,
            grounds=f"{marker} grounds",
            filed_by=preparer,
        )
    claim.refresh_from_db()
    return claim


def add_staff_work(d, *, marker: str, filer: str, staff, folder):
    """Add to one client's rows what the firm's staff make of them: uploads, claims, reviews, CBP."""
    d.marker = marker
    d.upload, d.mapping = upload_with_reject(
        d.client, marker=marker, filer=filer, user=staff.analyst, folder=folder
    )
    d.tariff_upload = tariff_upload(marker=marker, user=None, folder=folder)
    d.warning = Finding.objects.create(
        client=d.client,
        rule="R-TEST-W",
        severity=Finding.Severity.WARNING,
        message=f"{marker} warning",
        entry=d.entry,
        fingerprint=f"{marker}-w",
    )
    d.draft = build_claim(client=d.client, preparer=staff.analyst, notes=f"{marker} draft claim")
    d.draft_designation = d.draft.designations.get()
    d.claim = claim_in_review(d.client, marker=marker, preparer=staff.analyst, reviewer=staff.reviewer)
    d.designation = d.claim.designations.get()
    d.filed = claim_at_cbp(
        d.client, marker=marker, preparer=staff.analyst, reviewer=staff.reviewer, reviewer2=staff.reviewer2
    )
    d.package = d.filed.documents.get(original_name__endswith="-summary.pdf")
    d.cbp_request = d.filed.cbp_requests.get()
    d.request_document = cbp_services.cbp_request_document_attach(
        request=d.cbp_request,
        file=SimpleUploadedFile(f"{marker}-bol.pdf", PDF + f"% {marker} bill of lading\n".encode()),
        by=staff.analyst,
    )
    d.liquidated = claim_after_liquidation(
        d.client, marker=marker, preparer=staff.analyst, status="liquidated"
    )
    d.under_protest = claim_after_liquidation(
        d.client, marker=marker, preparer=staff.analyst, status="protest_filed"
    )
    d.protest = d.under_protest.protests.get()
    # CBP's decision on a protest entered by the reviewer, waiting for a second person to confirm it.
    d.decided_protest = claim_after_liquidation(
        d.client, marker=marker, preparer=staff.analyst, status="protest_filed"
    ).protests.get()
    cbp_services.protest_decide(
        protest=d.decided_protest, by=staff.reviewer, decision="denied", decided_on=d.decided_protest.filed_on
    )
    d.job = Job.objects.create(kind="package", claim=d.filed, client=d.client, requested_by=staff.analyst)
    d.cbp_notice = cbp_notice_entered(d.filed, marker=marker, by=staff.reviewer)
    d.feed = feed_save(
        client=d.client,
        by=staff.analyst,
        values={"name": f"{marker} feed", "source": "folder", "location": "es003", "kind": "es003"},
    )
    d.build = claim_build_done(d.client, user=staff.analyst)
    portal_data(d, marker=marker, staff=staff)
    d.type_choice = type_choice_computed(d.client, user=staff.analyst)
    return d


def type_choice_computed(client, *, user):
    """The drawback type choice computed on the client's data as it now is (the page's and the API's
    latest), as the worker does it."""
    from claims.manufacturing.models import TypeChoiceRun
    from claims.manufacturing.services import type_choice_run

    run = TypeChoiceRun.objects.create(client=client, filing_date=dt.date(2026, 11, 26), requested_by=user)
    type_choice_run(run_id=run.pk, job_id=None)
    run.refresh_from_db()
    return run


def portal_data(d, *, marker: str, staff):
    """What the client portal's routes reach: an approved accelerated payment privilege, an application
    being drafted (`privilege`), a contact address for the digest and a projection snapshot."""
    from claims.privileges.services import privilege_create
    from claims.projection.services import projection_snapshot_take
    from drawback.accounts.models import Privilege

    d.accelerated = privilege_create(
        client=d.client,
        by=staff.analyst,
        kind=Privilege.Kind.ACCELERATED_PAYMENT,
        status=Privilege.Status.APPROVED,
        reference=f"{marker}-AP-GRANTED",
        granted_on=dt.date(2024, 1, 1),
        bond_type=Privilege.BondType.CONTINUOUS,
        surety_code="457",
        bond_effective_on=dt.date(2024, 1, 1),
    )
    d.privilege = privilege_create(
        client=d.client,
        by=staff.analyst,
        kind=Privilege.Kind.WAIVER_PRIOR_NOTICE,
        reference=f"{marker}-WPN-APP",
    )
    d.contact = f"ops-{marker.lower()}@example.com"
    d.client.contact_emails = d.contact
    d.client.save(update_fields=["contact_emails"])
    d.snapshot, _ = projection_snapshot_take(client=d.client)
    cape_data(d, marker=marker, staff=staff)
    return d


def cape_data(d, *, marker: str, staff):
    """What the IEEPA refund (CAPE) routes reach: an entry with IEEPA duty declared on a declaration file not
    yet submitted (`cape_entry`, `cape_declaration`), and one more waiting to be declared."""
    from claims.cape.services import declarations_create
    from drawback.lib.entry_numbers import make
    from tests.claims.cape.cape_data import ensure_chapter99

    ensure_chapter99()

    filer = d.entry.entry_number[:3]
    for n, serial in enumerate((8765401, 8765402)):
        if n == 1:
            d.cape_declaration = declarations_create(client=d.client, user=staff.analyst)[0]
        entry = ImportEntryFactory(
            client=d.client,
            entry_number=make(filer, serial),
            import_date=dt.date(2025, 6, 2),
            importer_name=f"{marker} Importer",
        )
        line = ImportLineFactory(
            entry=entry, line_number=1, description=f"{marker} IEEPA goods", hts="9405100000"
        )
        LineCh99Duty.objects.create(line=line, ordinal=1, number="9903.01.25", amount=Decimal("100.00"))
        if n == 0:
            d.cape_entry = entry
        else:
            d.cape_waiting = entry
    return d


def cbp_notice_entered(claim, *, marker: str, by):
    """CBP's notice of liquidation of the filed claim, entered by `by` and waiting for someone else."""
    from django.utils import timezone

    from claims.cbp.notices import cbp_notice_enter

    return cbp_notice_enter(
        claim=claim,
        kind="liquidation",
        notice_date=timezone.localdate(),
        amounts={t.accounting_class: str(t.claim_amount) for t in claim.class_totals.all()},
        reference=f"{marker}-LIQ",
        file=SimpleUploadedFile(f"{marker}-liquidation.pdf", PDF + marker.encode(), "application/pdf"),
        by=by,
    )


def claim_build_done(client, *, user):
    """A finished optimizer run for the client (its proposal is whatever the client's data still allows)."""
    from claims.building import services
    from imports.models import TariffLine

    TariffLine.objects.get_or_create(
        hts="61091000", defaults={"description": "Of cotton", "general_rate": "16.5%"}
    )
    build = services.claim_build_start(client=client, user=user, parameters={"filing_date": "2026-11-26"})
    services.claim_build_run(build_id=build.pk)
    build.refresh_from_db()
    return build


def summary_pdf_stand_in(*, claim, plan, transmission_date) -> bytes:
    """The claim summary's layout is tested with the filing package; where only who may reach the file
    matters, this stands in for drawing the PDF (the slowest step of filing by far)."""
    return PDF + f"% {claim.notes}\n".encode()


def with_staff_work(data, *, analyst, reviewer, reviewer2, folder):
    """Give each client of `data` what the claim, review, upload and CBP routes reach: an upload with a
    rejected row, a column mapping and the firm's HTS upload; an open warning; a draft claim; a claim
    returned once with review comments and back in first review; a claim filed (with its filing package),
    accepted and asked for information by a CF-28, whose notifications went to the preparer and to the
    client's users (create those first). Everything is made through the services, as the staff would.
    Files are read from `folder`; filing needs settings.CBP_GATEWAY = "sandbox"."""
    staff = SimpleNamespace(analyst=analyst, reviewer=reviewer, reviewer2=reviewer2)
    add_staff_work(data.a, marker="ALPHA", filer="AAA", staff=staff, folder=folder)
    add_staff_work(data.b, marker="BRAVO", filer="BBB", staff=staff, folder=folder)
    return data


@pytest.fixture
def data(client_a, client_b):
    """`data.a` and `data.b`: each client's rows, each text carrying its marker (ALPHA / BRAVO)."""
    return SimpleNamespace(
        a=client_data(client_a, marker="ALPHA", filer="AAA"),
        b=client_data(client_b, marker="BRAVO", filer="BBB"),
    )


@pytest.fixture
def other_firm_analyst(db):
    """Staff of another firm on the same installation: sees none of our firm's clients."""
    other = FirmFactory(name="Other Firm", filer_code="OTH")
    ClientFactory(firm=other, code="outsider", legal_name="Outsider Co")
    return UserFactory(username="otto", role="analyst", firm=other)


@pytest.fixture
def api():
    return APIClient()
