"""Protests of a liquidation: recorded with their date, number and grounds within 180 days, then CBP's
decision, entered by one person and applied when a second confirms it, which reliquidates (allowed) or
closes (denied) the claim; and the pages that lead there."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.cbp import services
from claims.cbp.models import Liquidation, Notification, Protest
from claims.lifecycle import TransitionError
from claims.models import Claim, ClaimTransition
from tests.claims.cbp_support import make_claim

S = Claim.Status
TODAY = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
LIQUIDATED_ON = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def claim(client_a, analyst):
    claim = make_claim(client=client_a, preparer=analyst, status=S.LIQUIDATED, classes={"364": "990.00"})
    Liquidation.objects.create(
        claim=claim, liquidated_on=LIQUIDATED_ON, amounts={"364": "900.00"}, total=Decimal("900.00")
    )
    return claim


def file_protest(claim, by, **changes):
    values = {"number": "2704-26-100123", "filed_on": dt.date(2026, 11, 2), "grounds": "Class 364 cut by 5%"}
    return services.protest_file(claim=claim, by=by, **{**values, **changes})


def test_protest_is_recorded_and_puts_the_claim_under_protest(claim, analyst):
    protest = file_protest(claim, analyst)
    claim.refresh_from_db()
    assert claim.status == S.PROTEST_FILED
    assert (protest.number, protest.display_number) == ("270426100123", "2704-26-100123")
    assert (protest.filed_on, protest.grounds, protest.decision) == (
        dt.date(2026, 11, 2),
        "Class 364 cut by 5%",
        "",
    )
    move = ClaimTransition.objects.get(claim=claim, to_status=S.PROTEST_FILED)
    assert move.by == analyst and "2704-26-100123" in move.reason


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"number": "2704-26-1001"}, "number", "12 digits"),
        ({"grounds": "  "}, "grounds", "what is protested"),
        ({"filed_on": dt.date(2026, 9, 30)}, "filed_on", "comes after it"),
        ({"filed_on": dt.date(2026, 11, 27)}, "filed_on", "future"),
    ],
)
def test_a_protest_needs_a_number_grounds_and_a_date_after_liquidation(claim, analyst, changes, field, words):
    with pytest.raises(ValidationError) as raised:
        file_protest(claim, analyst, **changes)
    assert words in " ".join(raised.value.message_dict[field])
    claim.refresh_from_db()
    assert claim.status == S.LIQUIDATED and not Protest.objects.exists()


def test_a_protest_after_180_days_is_refused_with_the_deadline(claim, analyst):
    Liquidation.objects.filter(claim=claim).update(liquidated_on=dt.date(2026, 5, 1))
    with pytest.raises(ValidationError) as raised:
        file_protest(claim, analyst, filed_on=dt.date(2026, 11, 2))
    assert "by 10/28/2026" in raised.value.message_dict["filed_on"][0]


def test_only_a_liquidated_claim_is_protested(client_a, analyst):
    accepted = make_claim(client=client_a, preparer=analyst, sequence=3, status=S.ACCEPTED)
    with pytest.raises(TransitionError, match="only a liquidated claim"):
        file_protest(accepted, analyst)


def decide(protest, by, confirmed_by, **values):
    """CBP's decision entered by one person and confirmed by another."""
    protest = services.protest_decide(protest=protest, by=by, **values)
    return services.protest_decision_confirm(protest=protest, by=confirmed_by)


def test_allowed_protest_reliquidates_and_tells_the_client(claim, analyst, reviewer, client_user_a):
    protest = file_protest(claim, analyst)
    decide(protest, analyst, reviewer, decision="allowed", decided_on=dt.date(2026, 11, 20))
    claim.refresh_from_db()
    protest.refresh_from_db()
    assert claim.status == S.LIQUIDATED and protest.decision == "allowed"
    assert (protest.decided_by, protest.confirmed_by) == (analyst, reviewer)
    move = ClaimTransition.objects.get(claim=claim, from_status=S.PROTEST_FILED)
    assert move.by is None and "entered by alice, confirmed by rita" in move.reason
    notes = Notification.objects.filter(claim=claim, event=Notification.Event.PROTEST_DECIDED)
    assert {n.user for n in notes if n.user} == {analyst, client_user_a}
    assert "allowed on 11/20/2026" in notes[0].text
    # Reliquidation is not a new liquidation notice: nobody is told "liquidated" again.
    assert not Notification.objects.filter(claim=claim, event=Notification.Event.LIQUIDATION).exists()


def test_denied_protest_closes_the_claim_and_gives_the_court_deadline(claim, analyst, reviewer):
    protest = file_protest(claim, analyst)
    decide(
        protest, analyst, reviewer, decision="denied", decided_on=dt.date(2026, 11, 20), note="Rate correct"
    )
    claim.refresh_from_db()
    assert claim.status == S.CLOSED
    text = Notification.objects.get(claim=claim, event="protest_decided", user=analyst).text
    assert "denied on 11/20/2026" in text and "Court of International Trade is due by 05/19/2027" in text


def test_cbp_decision_changes_nothing_until_a_second_person_confirms_it(claim, analyst, reviewer):
    """CBP's decision is CBP's word: like a CBP notice received outside the gateway, one person's entry
    does not move the claim, the same person cannot confirm it, and an entry made by mistake is set aside."""
    protest = file_protest(claim, analyst)
    services.protest_decide(protest=protest, by=analyst, decision="denied", decided_on=dt.date(2026, 11, 20))
    claim.refresh_from_db()
    assert claim.status == S.PROTEST_FILED
    assert not Notification.objects.filter(claim=claim, event="protest_decided").exists()
    with pytest.raises(ValidationError, match="someone other than the person who entered it"):
        services.protest_decision_confirm(protest=protest, by=analyst)
    with pytest.raises(ValidationError, match="waits for a colleague's confirmation"):
        services.protest_decide(
            protest=protest, by=reviewer, decision="allowed", decided_on=dt.date(2026, 11, 21)
        )
    services.protest_decision_discard(protest=protest, by=reviewer)
    protest.refresh_from_db()
    assert (protest.decision, protest.decided_by, protest.pending) == ("", None, True)
    with pytest.raises(ValidationError, match="not entered yet"):
        services.protest_decision_confirm(protest=protest, by=reviewer)
    decide(protest, reviewer, analyst, decision="allowed", decided_on=dt.date(2026, 11, 21))
    claim.refresh_from_db()
    assert claim.status == S.LIQUIDATED
    with pytest.raises(ValidationError, match="already applied"):
        services.protest_decision_confirm(protest=protest, by=reviewer)


def test_a_person_cannot_move_a_claim_out_of_protest_alone(claim, analyst):
    """The state machine refuses a person the move CBP's decision makes, even with the decision entered."""
    from claims.lifecycle import claim_transition

    protest = file_protest(claim, analyst)
    services.protest_decide(protest=protest, by=analyst, decision="denied", decided_on=dt.date(2026, 11, 20))
    with pytest.raises(TransitionError):
        claim_transition(claim=claim, to=S.CLOSED, by=analyst)
    with pytest.raises(TransitionError, match="confirmed by a second person"):
        claim_transition(claim=claim, to=S.CLOSED, by=None)
    claim.refresh_from_db()
    assert claim.status == S.PROTEST_FILED


def test_decision_date_comes_after_the_protest_and_is_recorded_once(claim, analyst, reviewer):
    protest = file_protest(claim, analyst)
    with pytest.raises(ValidationError) as raised:
        services.protest_decide(
            protest=protest, by=analyst, decision="denied", decided_on=dt.date(2026, 11, 1)
        )
    assert "filed on 11/02/2026" in raised.value.message_dict["decided_on"][0]
    decide(protest, analyst, reviewer, decision="denied", decided_on=dt.date(2026, 11, 3))
    with pytest.raises(ValidationError, match="already recorded"):
        services.protest_decide(
            protest=protest, by=analyst, decision="allowed", decided_on=dt.date(2026, 11, 4)
        )


def test_an_allowed_protest_keeps_the_claim_open_for_its_reliquidation(claim, analyst, reviewer):
    """The liquidation's 180 days have run out, but CBP allowed the protest: the claim waits for the
    reliquidation, and the 180 days then run from it."""
    protest = file_protest(claim, analyst)
    decide(protest, analyst, reviewer, decision="allowed", decided_on=dt.date(2026, 11, 20))
    after_deadline = dt.date(2027, 6, 1)
    assert services.claims_close_final(today=after_deadline) == []
    Liquidation.objects.filter(claim=claim).update(liquidated_on=dt.date(2027, 1, 15))  # CBP reliquidated
    assert services.claims_close_final(today=after_deadline) == []  # within 180 days of it
    assert services.claims_close_final(today=dt.date(2027, 7, 15)) == [claim]
    claim.refresh_from_db()
    assert claim.status == S.CLOSED


def test_protest_and_decision_through_the_claim_page(client, analyst, reviewer, claim):
    client.force_login(analyst)
    claim_url = reverse("claims:detail", args=[claim.client.code, claim.pk])
    response = client.post(
        reverse("cbp:protest_record", args=[claim.pk]),
        {"number": "2704-26-1001", "filed_on": "2026-11-02", "grounds": "Wrong rate", "next": claim_url},
        follow=True,
    )
    assert "A protest number has 12 digits" in response.content.decode()
    response = client.post(
        reverse("cbp:protest_record", args=[claim.pk]),
        {"number": "2704-26-100123", "filed_on": "2026-11-02", "grounds": "Wrong rate", "next": claim_url},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == claim_url
    assert "Protest 2704-26-100123 recorded" in html and "Record CBP's decision" in html
    protest = Protest.objects.get(claim=claim)
    response = client.post(
        reverse("cbp:protest_decision", args=[protest.pk]),
        {"decision": "denied", "decided_on": "2026-11-20", "note": "Rate correct", "next": claim_url},
        follow=True,
    )
    html = response.content.decode()
    assert "applies to claim" in html and "once a colleague confirms it" in html
    assert (
        "Confirm and apply" not in html and 'id="discard-protest-decision"' in html
    )  # not to the same person
    claim.refresh_from_db()
    assert claim.status == S.PROTEST_FILED
    # A colleague sees the decision waiting, from the claim page's buttons.
    client.force_login(reviewer)
    html = client.get(claim_url).content.decode()
    assert "Confirm CBP's decision on the protest" in html and 'id="confirm-protest-decision"' in html
    response = client.post(
        reverse("cbp:protest_decision_confirm", args=[protest.pk]), {"next": claim_url}, follow=True
    )
    assert response.redirect_chain[-1][0] == claim_url
    assert "Protest 2704-26-100123 denied on 11/20/2026; claim" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.CLOSED


def test_client_users_cannot_record_protests(client, client_user_a, claim):
    client.force_login(client_user_a)
    response = client.post(
        reverse("cbp:protest_record", args=[claim.pk]),
        {"number": "2704-26-100123", "filed_on": "2026-11-02", "grounds": "x"},
    )
    assert response.status_code == 404
    assert not Protest.objects.exists()


def test_client_users_cannot_confirm_cbp_decisions(client, client_user_a, claim, analyst):
    protest = file_protest(claim, analyst)
    services.protest_decide(protest=protest, by=analyst, decision="denied", decided_on=dt.date(2026, 11, 20))
    client.force_login(client_user_a)
    for name in ("cbp:protest_decision_confirm", "cbp:protest_decision_discard"):
        assert client.post(reverse(name, args=[protest.pk])).status_code == 404
    protest.refresh_from_db()
    assert protest.awaiting_confirmation
