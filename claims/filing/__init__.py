"""The filing package of a claim: the CATAIR claim file, the summary PDF and the designations workbook."""

from .selectors import claim_catair_text, claim_package_documents
from .services import (
    PACKAGE_STATUSES,
    FilingError,
    claim_filing_text,
    claim_package_build,
    claim_package_check,
)

__all__ = [
    "PACKAGE_STATUSES",
    "FilingError",
    "claim_catair_text",
    "claim_filing_text",
    "claim_package_build",
    "claim_package_check",
    "claim_package_documents",
]
