"""Poll CBP once for every open claim and apply what it says (what the beat job does every few minutes)."""

from django.core.management.base import BaseCommand

from claims.cbp import services


class Command(BaseCommand):
    help = (
        "Poll the CBP gateway (CBP_GATEWAY) for open claims, store and apply its messages, deem liquidations "
        "and close claims whose liquidation is final."
    )

    def handle(self, *args, **options):
        result = services.cbp_poll()
        applied = sum(
            services.cbp_claim_messages_process(claim_id=claim_id)
            for claim_id in services.cbp_pending_claim_ids()
        )
        deemed = services.claims_deem_liquidated()
        closed = services.claims_close_final()
        self.stdout.write(
            f"open claims {result.claims}; messages read {result.read}, new {result.stored}, "
            f"applied {applied}; files set aside {len(result.rejected_sources)}; "
            f"deemed liquidated {len(deemed)}; closed {len(closed)}"
        )
