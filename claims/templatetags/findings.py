"""The findings about one entry or export, for the entry and export pages (which belong to the imports and
exports apps: they show claims' findings through this tag, without importing claims)."""

from django import template

from claims.risk import RULE_TITLES
from claims.risk.selectors import findings_of

register = template.Library()


@register.inclusion_tag("claims/_subject_findings.html", takes_context=True)
def subject_findings(context, *, entry=None, export=None) -> dict:
    client = context["client"]
    findings = list(findings_of(client=client, entry=entry, export=export))
    for finding in findings:
        finding.rule_title = RULE_TITLES.get(finding.rule, finding.rule)
    return {"client": client, "findings": findings, "subject": "entry" if entry is not None else "export"}
