"""Data changing under a reviewed claim: once a claim is in review (and once filed), a reload that would
change the data it rests on stores nothing and names the claim; after approval a change sends the claim back
to review, and nothing is packaged or filed before it is reviewed again."""

import pytest
from django.core import mail

from claims.cbp.services import FilingError, claim_file
from claims.filing import claim_package_build
from claims.filing.services import FilingError as PackageError
from claims.frozen import claim_data_digest
from claims.models import Claim
from claims.services import claim_reopen, claim_validate
from exports.models import Export
from imports.models import Upload
from imports.services import upload_ingest_now
from reviews.services import checklist_items, review_approve, review_return, review_start
from tests.factories import build_claim

S = Claim.Status
EXPORTS_HEADER = "export_ref,export_date,hts,quantity,uom,value,destination\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def claim(client_a, analyst):
    return build_claim(client=client_a, preparer=analyst)


def approve(claim, analyst, reviewer, reviewer2, *, levels=(1, 2)):
    claim_validate(claim=claim, by=analyst)
    review_start(claim=claim, by=analyst)
    for level, who in ((1, reviewer), (2, reviewer2)):
        if level in levels:
            review_approve(claim=claim, by=who, level=level, ticked=[i.pk for i in checklist_items(level)])
    claim.refresh_from_db()
    return claim


def reload_export(claim, tmp_path, *, value: str, user=None):
    """The claim's export loaded again from exports.csv with another value (what the lesser-of rule and the
    claim's amounts rest on)."""
    export = Export.objects.get(designations__claim=claim)
    path = tmp_path / "exports.csv"
    path.write_text(
        EXPORTS_HEADER
        + f"{export.export_ref},{export.export_date},{export.hts},{export.quantity},{export.uom},"
        + f"{value},{export.destination}\n"
    )
    upload, _ = upload_ingest_now(client=claim.client, kind="exports", path=path, user=user)
    export.refresh_from_db()
    return upload, export


def test_a_reload_cannot_change_data_under_a_claim_in_review(claim, analyst, reviewer, reviewer2, tmp_path):
    approve(claim, analyst, reviewer, reviewer2, levels=(1,))
    assert claim.status == S.SECOND_REVIEW
    upload, export = reload_export(claim, tmp_path, value="1.00")
    assert upload.status == Upload.Status.REJECTED
    assert f"claim {claim.display_number} (second review)" in upload.message
    assert f"export {export.export_ref}: value" in upload.message
    assert "have the claim returned for correction first" in upload.message
    assert export.value != 1


def test_an_unchanged_reload_under_review_loads(claim, analyst, reviewer, reviewer2, tmp_path):
    approve(claim, analyst, reviewer, reviewer2, levels=(1,))
    export = Export.objects.get(designations__claim=claim)
    upload, _ = reload_export(claim, tmp_path, value=str(export.value))
    assert upload.status == Upload.Status.LOADED and upload.unchanged == 1


def test_a_filed_claims_data_is_refused_with_the_correction_as_the_way(
    claim, analyst, reviewer, reviewer2, tmp_path, settings
):
    settings.CBP_GATEWAY = "sandbox"
    approve(claim, analyst, reviewer, reviewer2)
    claim_file(claim=claim, by=analyst)
    upload, export = reload_export(claim, tmp_path, value="1.00")
    assert upload.status == Upload.Status.REJECTED and "file a correction" in upload.message
    assert claim_data_digest(claim) == Claim.objects.get(pk=claim.pk).approved_data_digest
    assert export.value != 1


def test_a_change_after_approval_sends_the_claim_back_to_review(
    claim, analyst, reviewer, reviewer2, tmp_path, django_capture_on_commit_callbacks
):
    """The attack: an export changed on a claim approved twice, and its package was rebuilt without another
    review. Now the load goes in, and the claim goes back to review."""
    approve(claim, analyst, reviewer, reviewer2)
    assert claim.status == S.READY_TO_FILE and claim.approved_data_digest
    analyst.email = "alice@firm.example"
    analyst.save()
    with django_capture_on_commit_callbacks(execute=True):
        upload, export = reload_export(claim, tmp_path, value="1.00")
    assert upload.status == Upload.Status.LOADED and export.value == 1
    claim.refresh_from_db()
    assert claim.status == S.RETURNED
    move = claim.transitions.get(to_status=S.RETURNED)
    assert move.by is None and "changed after its approval" in move.reason
    assert mail.outbox and "returned for review" in mail.outbox[-1].subject
    # Reviewed again from the start, it can be filed.
    claim_reopen(claim=claim, by=analyst)
    approve(claim, analyst, reviewer, reviewer2)
    assert claim.status == S.READY_TO_FILE


def test_nothing_is_packaged_or_filed_on_data_changed_after_approval(
    claim, analyst, reviewer, reviewer2, settings
):
    """Whatever changed the data (here a direct write, as an admin or a script might), packaging and filing
    check the approval's digest first."""
    settings.CBP_GATEWAY = "sandbox"
    approve(claim, analyst, reviewer, reviewer2)
    Export.objects.filter(designations__claim=claim).update(description="changed behind the review")
    with pytest.raises(PackageError, match="returned for review"):
        claim_package_build(claim=claim)
    claim.refresh_from_db()
    assert claim.status == S.RETURNED and not claim.documents.exists()
    claim_reopen(claim=claim, by=analyst)
    approve(claim, analyst, reviewer, reviewer2)
    Export.objects.filter(designations__claim=claim).update(description="changed again")
    with pytest.raises(FilingError, match="returned for review"):
        claim_file(claim=claim, by=analyst)
    claim.refresh_from_db()
    assert claim.status == S.RETURNED and not claim.cbp_transmissions.exists()


def test_a_returned_claims_data_may_change(claim, analyst, reviewer, reviewer2, tmp_path):
    approve(claim, analyst, reviewer, reviewer2, levels=())
    review_return(claim=claim, by=reviewer, comment="fix the export description")
    upload, export = reload_export(claim, tmp_path, value="1.00")
    assert upload.status == Upload.Status.LOADED and export.value == 1
