"""An export on two manufacturing claims (the components of its articles): withdrawing, rejecting or taking
designations off one claim frees only what that claim alone held; the export stays claimed while the other
claim still rests on it."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from claims import ledger
from claims.ledger import held_by_export
from claims.lifecycle import claim_transition
from claims.manufacturing.services import type_choice_save
from claims.models import Claim, Designation
from claims.services import designation_remove
from exports.models import Export
from imports.models import ImportLine

from .helpers import manufacturer

pytestmark = pytest.mark.django_db
OVENS = "X20250310000401"


@pytest.fixture
def saved(client_a, analyst):
    manufacturer(client_a)
    type_choice_save(client=client_a, user=analyst, filing_date=dt.date(2026, 12, 1))
    claims = [Claim.objects.get(client=client_a, provision=p) for p in ("51", "52")]
    holder = next(c for c in claims if c.designations.filter(export_quantity__gt=0).exists())
    other = next(c for c in claims if c != holder)
    return holder, other


def ovens_available():
    ovens = Export.objects.get(export_ref=OVENS)
    # The counter and the designations that hold the export agree (what pre-flight checks).
    assert ovens.quantity - held_by_export([ovens.pk])[ovens.pk] == ovens.quantity_available
    return ovens.quantity_available


def lines_available(claim):
    return {
        d.import_line_id: ImportLine.objects.get(pk=d.import_line_id).quantity_available
        for d in claim.designations.all()
    }


def test_withdrawing_one_claim_keeps_the_export_for_the_other(saved, analyst):
    holder, other = saved
    other_lines = lines_available(other)
    assert ovens_available() == 0

    claim_transition(claim=holder, to="withdrawn", by=analyst)

    assert ovens_available() == 0
    assert lines_available(other) == other_lines
    assert other.designations.get().export_quantity == 400

    claim_transition(claim=other, to="withdrawn", by=analyst)

    assert ovens_available() == 400
    assert all(
        ImportLine.objects.get(pk=pk).quantity_available == ImportLine.objects.get(pk=pk).quantity
        for pk in other_lines
    )


def test_withdrawing_the_relying_claim_first_frees_nothing_of_the_export(saved, analyst):
    holder, other = saved

    claim_transition(claim=other, to="withdrawn", by=analyst)
    assert ovens_available() == 0
    claim_transition(claim=holder, to="withdrawn", by=analyst)
    assert ovens_available() == 400


def test_taking_the_holding_designation_off_a_draft_keeps_the_export_claimed(saved, analyst):
    holder, other = saved

    designation_remove(designation=holder.designations.get(export_quantity__gt=0), by=analyst)
    assert ovens_available() == 0

    designation_remove(designation=other.designations.get(), by=analyst)
    assert ovens_available() == 400
    assert not Designation.objects.filter(export__export_ref=OVENS).exists()


def test_a_rejected_claim_reopened_takes_its_articles_back(saved, analyst, monkeypatch):
    holder, other = saved
    # Rejection is CBP's word on a filed claim; only the ledger's part of the moves is under test here.
    monkeypatch.setattr("claims.lifecycle.GUARDS", [])
    Claim.objects.filter(pk=holder.pk).update(status="filed")
    holder.refresh_from_db()

    claim_transition(claim=holder, to="rejected", by=None)
    assert ovens_available() == 0
    assert other.designations.get().export_quantity == 400

    claim_transition(claim=holder, to="draft", by=analyst)
    assert ovens_available() == 0
    assert other.designations.get().export_quantity == 0
    assert "holds_articles_of" not in other.designations.get().manufacture

    claim_transition(claim=other, to="withdrawn", by=analyst)
    claim_transition(claim=holder, to="withdrawn", by=analyst)
    assert ovens_available() == 400


def test_a_correction_of_a_manufacturing_claim_keeps_its_lots_and_holds_the_articles_once(saved, analyst):
    from claims.services import claim_correction_create

    holder, _ = saved
    # CBP accepted the claim (only the correction is under test here).
    Claim.objects.filter(pk=holder.pk).update(status="accepted")
    holder.refresh_from_db()

    correction = claim_correction_create(claim=holder, by=analyst)

    original = {d.import_line_id: d for d in holder.designations.all()}
    for copy in correction.designations.all():
        d = original[copy.import_line_id]
        assert copy.manufacture == d.manufacture and copy.manufacture["lot"] == "LOT-2401"
        assert copy.export_quantity == d.export_quantity
    # The pair (claim, correction) holds the oven's 400 articles once, as the counter says.
    assert ovens_available() == 0
    ovens = Export.objects.get(export_ref=OVENS)
    assert held_by_export([ovens.pk])[ovens.pk] == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two withdrawals in flight at once need row locks and concurrent sessions: PostgreSQL only",
)
def test_two_claims_withdrawn_at_the_same_instant_free_the_export(client_a, analyst, monkeypatch):
    """The claim holding the ovens and the claim relying on them are withdrawn together, each on its own
    connection: whichever order the database runs them in, the ovens come free, once."""
    manufacturer(client_a)
    type_choice_save(client=client_a, user=analyst, filing_date=dt.date(2026, 12, 1))
    claims = [Claim.objects.get(client=client_a, provision=p) for p in ("51", "52")]
    assert ovens_available() == 0
    # Both withdrawals look for the other claim to hand the articles to before either commits, when the
    # database lets them (each then waits at most 2 s here for the other to catch up).
    in_step = threading.Barrier(2, timeout=2)
    hand_over = ledger.hand_over_articles

    def hand_over_in_step(*args, **kwargs):
        kept = hand_over(*args, **kwargs)
        try:
            in_step.wait()
        except threading.BrokenBarrierError:
            pass  # the other withdrawal is waiting for this one to commit
        return kept

    monkeypatch.setattr(ledger, "hand_over_articles", hand_over_in_step)
    start = threading.Barrier(2)
    failures = []

    def withdraw(pk):
        try:
            start.wait(10)
            claim_transition(claim=Claim.objects.get(pk=pk), to="withdrawn", by=analyst)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=withdraw, args=(c.pk,)) for c in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert failures == []
    assert {c.status for c in Claim.objects.filter(pk__in=[c.pk for c in claims])} == {"withdrawn"}
    assert ovens_available() == 400
    for claim in claims:
        assert all(
            ImportLine.objects.get(pk=pk).quantity_available == ImportLine.objects.get(pk=pk).quantity
            for pk in lines_available(claim)
        )
