"""Writes of a claim's filing package."""

import hashlib
import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from claims.catair import (
    CatairError,
    assemble_transmission,
    build_filing_plan,
    render_file,
    validate_claim_file,
)
from claims.lifecycle import FILED_STATUSES
from claims.models import Claim, status_phrase
from drawback.accounts.models import User
from imports.models import Document, FilerCodeOffset

from .selectors import PARTS, claim_catair_text, claim_package_documents
from .summary import render_claim_summary_pdf
from .workbook import render_claim_workbook

logger = logging.getLogger(__name__)

PACKAGE_STATUSES = frozenset({Claim.Status.READY_TO_FILE}) | FILED_STATUSES


class FilingError(Exception):
    """The package cannot be built: the claim is in the wrong status, or its data cannot be filed."""


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a file left behind is harmless; a failed rebuild is not
            logger.warning("could not delete old package file %s", name)


def _prepare(claim: Claim):
    """(transmission date, filing plan, CATAIR text) of a claim that may be packaged; else FilingError."""
    if claim.status not in PACKAGE_STATUSES:
        raise FilingError(
            f"claim {claim.display_number} is {status_phrase(claim.status)}: a filing package is "
            "built only once both reviews have approved it"
        )
    transmission_date = claim.filed_on or timezone.localdate()
    try:
        plan = build_filing_plan(claim=claim, transmission_date=transmission_date)
        catair = render_file(
            assemble_transmission(claim_files=[(claim, plan.claim_file)], transmission_date=transmission_date)
        )
    except CatairError as exc:
        raise FilingError(f"claim {claim.display_number} cannot be written for ACE: {exc}") from exc
    firm = claim.client.firm
    problems = validate_claim_file(
        catair,
        offsets=dict(FilerCodeOffset.objects.values_list("filer_code", "offset")),
        claim_offsets={firm.filer_code: firm.claim_check_digit_offset},
    )
    if problems:
        raise FilingError(
            f"claim {claim.display_number} fails the local ACE checks: " + "; ".join(map(str, problems[:5]))
        )
    return transmission_date, plan, catair


def refuse_changed_since_approval(claim: Claim) -> None:
    """Raise FilingError, the claim returned for review, when data it rests on changed since approval."""
    from claims.frozen import claims_return_changed

    fresh = Claim.objects.select_related("client", "preparer").get(pk=claim.pk)
    if claims_return_changed(claims=[fresh]):
        claim.status = fresh.status
        raise FilingError(
            f"claim {claim.display_number}: data it rests on changed after its approval; it was returned "
            "for review and is packaged and filed only once reviewed again"
        )


def claim_package_check(*, claim: Claim) -> None:
    """Raise FilingError now if the claim's package cannot be built (no files are rendered or stored)."""
    _prepare(claim)
    if claim.status in FILED_STATUSES and claim_package_documents(claim=claim):
        raise FilingError(f"claim {claim.display_number} is filed: its package is kept as transmitted")


def claim_package_build(
    *, claim: Claim, by: User | None = None, progress: Callable[[float], None] | None = None
) -> list[Document]:
    """Render the claim's CATAIR file, summary PDF and workbook and store them as its claim_filing
    documents, replacing the package built before. Returns the three new documents.

    Only a claim that both reviewers approved (ready to file) or that is filed has a package. Before the
    second review its designations and amounts may still change, so a package would be stale as soon as
    it was stored; a claim that was returned, rejected or withdrawn has nothing to file. Once filed, the
    package stored at filing is the record of what was transmitted and is kept as it is: a filed claim is
    packaged again only if it has no package (the rebuild then uses the filing date, and the frozen
    designations reproduce the transmitted file).

    Every file is written before the database changes, and the old package is removed in the same
    transaction that links the new one, so a failure at any point leaves the previous package in place.
    Raises FilingError (nothing stored) when the claim cannot be packaged, or when data it rests on changed
    after its approval (it is then returned for review, claims.frozen). `progress` hears the share done
    (0..1) after each part.
    """
    refuse_changed_since_approval(claim)
    report = progress or (lambda fraction: None)
    transmission_date, plan, catair = _prepare(claim)
    report(0.2)
    contents = {"catair": catair.encode("ascii")}
    contents["summary"] = render_claim_summary_pdf(
        claim=claim, plan=plan, transmission_date=transmission_date
    )
    report(0.7)
    contents["workbook"] = render_claim_workbook(claim=claim, plan=plan, transmission_date=transmission_date)
    report(0.9)

    new: list[Document] = []
    try:
        for part, content in contents.items():
            suffix, content_type, note = PARTS[part]
            name = f"{claim.number}{suffix}"
            doc = Document(
                client=claim.client,
                doc_type=Document.Type.CLAIM_FILING,
                original_name=name,
                content_type=content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                note=f"{note}, transmission date {transmission_date:%m/%d/%Y}",
                uploaded_by=by,
            )
            doc.file.save(name, ContentFile(content), save=False)
            new.append(doc)
        with transaction.atomic():
            locked = Claim.objects.select_for_update().get(pk=claim.pk)
            if locked.status not in PACKAGE_STATUSES:
                raise FilingError(f"claim {locked.display_number} moved to {locked.get_status_display()}")
            old = list(claim_package_documents(claim=locked).values())
            if old and locked.status in FILED_STATUSES:
                raise FilingError(
                    f"claim {locked.display_number} is filed: its package is kept as transmitted"
                )
            for doc in new:
                doc.save()
            locked.documents.add(*new)
            old_files = [doc.file.name for doc in old]
            Document.objects.filter(pk__in=[doc.pk for doc in old]).delete()
            transaction.on_commit(lambda: _delete_files(old_files))
    except BaseException:
        _delete_files([doc.file.name for doc in new if doc.file.name])
        raise
    logger.info("filing package of claim %s built (%s)", claim.display_number, ", ".join(contents))
    return new


def claim_filing_text(*, claim: Claim, by: User | None = None) -> str:
    """The CATAIR file to transmit now. The A- and Z-records carry the build date as transmission date,
    which CBP may use as the claim's date (CSMS 18-000278), so a package built on an earlier day is built
    again first; once the claim is filed the package kept at filing is returned as it is."""
    package = claim_package_documents(claim=claim)
    built_today = "catair" in package and timezone.localtime(package["catair"].uploaded_at).date() == (
        timezone.localdate()
    )
    if claim.status not in FILED_STATUSES and not built_today:
        claim_package_build(claim=claim, by=by)
        package = claim_package_documents(claim=claim)
    if "catair" not in package:
        raise FilingError(f"claim {claim.display_number} has no filing package")
    return claim_catair_text(claim=claim)
