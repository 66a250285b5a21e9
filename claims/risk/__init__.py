"""Validation and risk rules over a client's stored data.

Each rule is a function `(client, context) -> iterable of FindingDraft`. An error blocks a claim and is
resolved by fixing the data; a warning needs an analyst's eye and may be acknowledged with a comment;
information needs no action. `claims.risk.services.assess_client` runs them all and stores the findings.
"""

from collections.abc import Callable, Iterable

from claims.cape import risk as cape_risk
from drawback.accounts.models import Client

from . import exports, imports, tariff
from .base import FindingDraft, RiskContext, Severity, Tolerance

Rule = Callable[[Client, RiskContext], Iterable[FindingDraft]]

# (code, title, function), in the order the page lists them.
RULES: list[tuple[str, str, Rule]] = [
    (imports.CHECK_DIGIT, "Entry number check digit", imports.entry_check_digit),
    (tariff.HTS_FORMAT, "HTS not 10 digits", tariff.hts_format),
    (tariff.TARIFF_MISSING, "No tariff loaded", tariff.tariff_missing),
    (tariff.HTS_UNKNOWN, "HTS not in the tariff", tariff.hts_unknown),
    (tariff.UNIT, "Unit of measure not the HTS unit", tariff.unit_of_measure),
    (tariff.DUTY_RATE, "Duty inconsistent with the tariff rate", tariff.duty_rate),
    (tariff.REPLACEMENT_DUTY, "Replacement duty not split", tariff.replacement_duty),
    (imports.FIVE_YEAR, "5-year limit past or near", imports.five_year_limit),
    (imports.CH99_EXCLUDED, "Chapter 99 duty not drawn back", imports.chapter99_excluded),
    (exports.SHARED_IDENTIFIER, "Export identifier used twice", exports.shared_identifier),
    (exports.REPEATED, "Export repeated", exports.repeated_export),
    (exports.DIRECT_LINE, "Direct-identification line mismatch", exports.direct_identification_line),
    (exports.NO_PRIOR_IMPORT, "No import can support the export", exports.no_prior_import),
    (exports.USMCA_CHILE, "Export to Canada, Mexico or Chile", exports.usmca_chile),
    (imports.ENTRY_DOCUMENTS, "Entry without entry summary or invoice", imports.entry_documents),
    (exports.EXPORT_DOCUMENTS, "Export without proof of export", exports.export_documents),
    (cape_risk.RULE, "IEEPA duties refunded by CBP counted on a claim", cape_risk.ieepa_refunded_on_claims),
]
RULE_TITLES = {code: title for code, title, _ in RULES}

__all__ = ["RULES", "RULE_TITLES", "FindingDraft", "RiskContext", "Severity", "Tolerance"]
