"""Claim building: from a client's stored lines and exports to a proposal, and from a proposal to draft
claims.

- `parameters`: what the analyst asked for (exports to claim, filing date, port, method, exclusions, pins).
- `inputs.engine_inputs_for`: database rows to the engine's dataclasses (claims.engine.model).
- `services`: start a build, run it (one task, or a Celery chord of product groups), save it as claims.
- `proposal`: the stored proposal: designations with exact amounts and explanations, totals, comparison.
- `split`: one claim per provision, split at the ACE record limits.
- `numbers`: claim numbers from the filer code's sequence.
- `money_at_risk`: import lines about to pass the 5-year limit and what they could still bring.
"""
