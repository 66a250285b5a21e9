"""Assessment rule: claims that counted IEEPA duties CBP has since refunded, or accepted to refund (a CAPE
result, a reliquidation in the liquidation report). Every load re-assesses the client, so a re-load that
shows an entry reliquidated flags the claims that counted its old duties."""

from collections.abc import Iterator

from drawback.accounts.models import Client

from .guards import refunded_counted

RULE = "CAPE-IEEPA-REFUNDED"
NOT_IN_FORCE = ("withdrawn", "rejected")


def ieepa_refunded_on_claims(client: Client, ctx) -> Iterator:
    from claims.models import Designation
    from claims.risk.base import FindingDraft, Severity, usd

    designations = (
        Designation.objects.filter(claim__client=client)
        .exclude(claim__status__in=NOT_IN_FORCE)
        .select_related("import_line__entry", "claim")
    )
    for des, state, counted in refunded_counted(designations, client=client, on=ctx.today):
        line = des.import_line
        claim = des.claim
        yield FindingDraft(
            rule=RULE,
            severity=Severity.ERROR,
            subject=f"{claim.number}/{line.entry.entry_number}/{line.line_number}/{des.export_id}",
            message=(
                f"Claim {claim.display_number} ({claim.get_status_display().lower()}) counts {usd(counted)} "
                f"of IEEPA duties on entry {line.entry.display_number} line {line.line_number}: "
                f"{state.decision.reason}. Correct the claim: the same dollar cannot be recovered twice."
            ),
            basis=f"{state.decision.path}:{claim.number}",
            amount=counted,
            entry_id=line.entry_id,
            line_id=line.pk,
        )
