"""Reads of a claim's filing package."""

from claims.models import Claim
from imports.models import Document

# Each part of the package is recognised by the end of its file name.
PARTS = {
    "catair": ("-catair.txt", "text/plain", "ACE drawback entry summary (CATAIR DE) claim file"),
    "summary": ("-summary.pdf", "application/pdf", "Claim summary (CBP Form 7551 layout)"),
    "workbook": (
        "-designations.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Designations and explanations workbook",
    ),
}


def part_of(document: Document) -> str | None:
    for part, (suffix, _, _) in PARTS.items():
        if document.original_name.endswith(suffix):
            return part
    return None


def claim_package_documents(*, claim: Claim) -> dict[str, Document]:
    """{"catair": Document, "summary": ..., "workbook": ...} of the claim's current package (may be empty)."""
    documents = claim.documents.filter(doc_type=Document.Type.CLAIM_FILING).order_by("original_name")
    return {part: doc for doc in documents if (part := part_of(doc))}


def claim_catair_text(*, claim: Claim) -> str | None:
    """The stored CATAIR claim file of the claim (what a gateway transmits), or None before packaging."""
    document = claim_package_documents(claim=claim).get("catair")
    if document is None:
        return None
    with document.file.open("rb") as handle:
        return handle.read().decode("ascii")
