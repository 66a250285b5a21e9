"""The state machine with its guards: every allowed and forbidden move, segregation of duties, and the
pre-flight and filing-time checks that hang off claim_transition."""

import datetime as dt
import itertools

import pytest
import time_machine
from django.utils import timezone

from claims.ledger import claim_holding, release
from claims.lifecycle import (
    ALLOWED_MOVES,
    RELEASED_STATUSES,
    MoveRefused,
    TransitionError,
    claim_transition,
    is_cbp_move,
    moves_for,
)
from claims.models import Claim, ClaimTransition, Protest
from claims.services import ClaimError, claim_validate
from reviews.models import Review
from reviews.services import checklist_items, review_approve, review_return, review_start
from tests.factories import (
    ClaimFactory,
    ClientFactory,
    FirmFactory,
    ImportLineFactory,
    UserFactory,
    build_claim,
)

S = Claim.Status


def test_protest_moves_need_the_protest_and_then_cbps_decision(claim, firm_admin):
    force(claim, S.LIQUIDATED)
    with pytest.raises(TransitionError, match="record the protest"):
        claim_transition(claim=claim, to=S.PROTEST_FILED, by=firm_admin)
    protest = Protest.objects.create(
        claim=claim, number="270426100123", filed_on=dt.date(2026, 1, 5), grounds="x", filed_by=firm_admin
    )
    claim_transition(claim=claim, to=S.PROTEST_FILED, by=firm_admin)
    # Out of protest is CBP's move (by=None): only with its decision entered and confirmed.
    with pytest.raises(TransitionError, match="only CBP's word"):
        claim_transition(claim=claim, to=S.CLOSED, by=firm_admin)
    with pytest.raises(TransitionError, match="record CBP's decision"):
        claim_transition(claim=claim, to=S.CLOSED, by=None)
    Protest.objects.filter(pk=protest.pk).update(decision="denied", decided_on=dt.date(2026, 2, 1))
    with pytest.raises(TransitionError, match="confirmed by a second person"):
        claim_transition(claim=claim, to=S.CLOSED, by=None)
    Protest.objects.filter(pk=protest.pk).update(confirmed_at=timezone.now())
    claim_transition(claim=claim, to=S.CLOSED, by=None)


def tick_all(level):
    return [i.pk for i in checklist_items(level)]


@pytest.fixture
def claim(client_a, analyst):
    return build_claim(client=client_a, preparer=analyst)


def force(claim, status):
    """Put the claim in a status without walking there; the ledger is set as that status implies."""
    if status in RELEASED_STATUSES:
        release(claim_holding(claim))
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.status = status


@pytest.mark.parametrize("src, dst", list(itertools.product(S.values, S.values)))
def test_every_move_through_claim_transition(claim, firm_admin, src, dst):
    """A firm admin (a reviewer who did not prepare the claim) may make exactly the moves of the table that
    are not CBP's to make; those are recorded on CBP's word only (by=None: the gateway, a confirmed CBP
    notice)."""
    force(claim, src)
    if S.PROTEST_FILED in (src, dst):
        # Under protest only with the protest on record; out of it only with CBP's decision recorded.
        Protest.objects.create(
            claim=claim,
            number="2704261" + str(len(dst)).zfill(5),
            filed_on=dt.date(2026, 1, 5),
            grounds="test",
            filed_by=firm_admin,
            decision="" if dst == S.PROTEST_FILED else "denied",
            confirmed_at=None if dst == S.PROTEST_FILED else timezone.now(),
        )
    if dst in ALLOWED_MOVES[src]:
        who = None if is_cbp_move(src, dst) else firm_admin
        if who is None:
            with pytest.raises(MoveRefused):
                claim_transition(claim=claim, to=dst, by=firm_admin)
        claim_transition(claim=claim, to=dst, by=who, reason="test")
        claim.refresh_from_db()
        assert claim.status == dst
        assert ClaimTransition.objects.filter(claim=claim, from_status=src, to_status=dst, by=who).exists()
    else:
        with pytest.raises(TransitionError):
            claim_transition(claim=claim, to=dst, by=firm_admin)
        claim.refresh_from_db()
        assert claim.status == src
        assert not ClaimTransition.objects.filter(claim=claim).exists()


def test_the_whole_review_path_through_the_services(claim, analyst, reviewer, reviewer2):
    result = claim_validate(claim=claim, by=analyst)
    assert result.validated and result.errors == []
    review_start(claim=claim, by=analyst)
    first = review_approve(claim=claim, by=reviewer, level=1, ticked=tick_all(1))
    second = review_approve(claim=claim, by=reviewer2, level=2, ticked=tick_all(2), comment="ready")
    claim.refresh_from_db()
    assert claim.status == S.READY_TO_FILE
    trail = list(claim.transitions.values_list("from_status", "to_status", "by__username"))
    assert trail == [
        (S.DRAFT, S.VALIDATED, "alice"),
        (S.VALIDATED, S.FIRST_REVIEW, "alice"),
        (S.FIRST_REVIEW, S.SECOND_REVIEW, "rita"),
        (S.SECOND_REVIEW, S.READY_TO_FILE, "rob"),
    ]
    # Every sign-off is kept with the audit row it caused and the checklist as it was answered.
    assert first.transition.to_status == S.SECOND_REVIEW and second.transition.to_status == S.READY_TO_FILE
    assert all(a["ticked"] for a in second.answers) and len(second.answers) == len(checklist_items(2))
    assert second.answers[0]["text"] == checklist_items(2)[0].text


# --- segregation of duties --------------------------------------------------------------------------------


def to_first_review(claim, by):
    claim_validate(claim=claim, by=by)
    review_start(claim=claim, by=by)


def test_preparer_cannot_review_own_claim(client_a, reviewer):
    claim = build_claim(client=client_a, preparer=reviewer)
    to_first_review(claim, reviewer)
    with pytest.raises(MoveRefused, match="preparer of a claim cannot review it"):
        review_approve(claim=claim, by=reviewer, level=1, ticked=tick_all(1))
    with pytest.raises(MoveRefused, match="preparer"):
        review_return(claim=claim, by=reviewer, comment="my own")
    claim.refresh_from_db()
    assert claim.status == S.FIRST_REVIEW and not Review.objects.exists()


def test_analyst_who_is_not_a_reviewer_cannot_review(claim, analyst, firm):
    other_analyst = UserFactory(role="analyst", firm=firm)
    to_first_review(claim, analyst)
    with pytest.raises(MoveRefused, match="only reviewers and firm admins"):
        review_approve(claim=claim, by=other_analyst, level=1, ticked=tick_all(1))


def test_second_reviewer_cannot_be_the_first(claim, analyst, reviewer, reviewer2):
    to_first_review(claim, analyst)
    review_approve(claim=claim, by=reviewer, level=1, ticked=tick_all(1))
    with pytest.raises(MoveRefused, match="someone other than the first reviewer"):
        review_approve(claim=claim, by=reviewer, level=2, ticked=tick_all(2))
    with pytest.raises(MoveRefused, match="someone other than the first reviewer"):
        review_return(claim=claim, by=reviewer, comment="second thoughts")
    review_approve(claim=claim, by=reviewer2, level=2, ticked=tick_all(2))
    claim.refresh_from_db()
    assert claim.status == S.READY_TO_FILE


def test_firm_admin_reviews_and_the_rule_follows_the_current_round(claim, analyst, reviewer, firm_admin):
    to_first_review(claim, analyst)
    review_approve(claim=claim, by=reviewer, level=1, ticked=tick_all(1))
    review_return(claim=claim, by=firm_admin, comment="class 399 looks high")
    claim_transition(claim=claim, to=S.DRAFT, by=analyst)
    to_first_review(claim, analyst)
    # Round two: the admin approves level 1, so the first round's level-1 reviewer may now do level 2.
    review_approve(claim=claim, by=firm_admin, level=1, ticked=tick_all(1))
    assert S.READY_TO_FILE not in moves_for(claim, firm_admin)
    review_approve(claim=claim, by=reviewer, level=2, ticked=tick_all(2))
    claim.refresh_from_db()
    assert claim.status == S.READY_TO_FILE


def test_client_users_cannot_move_or_validate_their_claims(claim, client_user_a):
    with pytest.raises(MoveRefused, match="client users"):
        claim_transition(claim=claim, to=S.WITHDRAWN, by=client_user_a, reason="x")
    with pytest.raises(ClaimError, match="client users"):
        claim_validate(claim=claim, by=client_user_a)
    claim.refresh_from_db()
    assert claim.status == S.DRAFT and not claim.preflight_runs.exists()


def test_staff_of_another_firm_cannot_move_a_claim(claim):
    outsider = UserFactory(role="firm_admin", firm=FirmFactory(name="Other Firm", filer_code="OTH"))
    with pytest.raises(MoveRefused, match="only staff of the firm"):
        claim_transition(claim=claim, to=S.WITHDRAWN, by=outsider, reason="x")


def test_only_cbp_driven_moves_may_be_recorded_without_a_person(claim):
    with pytest.raises(MoveRefused, match="named member of the firm"):
        claim_transition(claim=claim, to=S.WITHDRAWN, by=None, reason="x")
    force(claim, S.FILED)
    claim_transition(claim=claim, to=S.ACCEPTED, by=None, reason="DX: DRAWBACK HAS BEEN ADDED")
    claim.refresh_from_db()
    assert claim.status == S.ACCEPTED


def test_moves_for_lists_what_each_person_may_do(claim, analyst, reviewer, client_user_a):
    to_first_review(claim, analyst)
    assert moves_for(claim, analyst) == []
    assert set(moves_for(claim, reviewer)) == {S.SECOND_REVIEW, S.RETURNED}
    assert moves_for(claim, client_user_a) == []


# --- data guards on the moves -----------------------------------------------------------------------------


def test_no_claim_reaches_validated_with_a_preflight_error(client_a, analyst):
    empty = ClaimFactory(client=client_a, preparer=analyst)
    with pytest.raises(TransitionError, match="fails pre-flight: PF-19"):
        claim_transition(claim=empty, to=S.VALIDATED, by=analyst)
    result = claim_validate(claim=empty, by=analyst)
    assert not result.validated and [e.rule for e in result.errors] == ["PF-19"]
    empty.refresh_from_db()
    assert empty.status == S.DRAFT and empty.preflight_runs.get().error_count == 1


def test_validation_passes_with_warnings_and_keeps_them(client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst, provision="58")
    # Direct identification without the export's own entry/line recorded is a warning, not an error.
    claim.designations.get().export.__class__.objects.update(direct_line=None)
    result = claim_validate(claim=claim, by=analyst)
    assert result.validated and [w.rule for w in result.warnings] == ["DIRECT-ID"]
    assert result.run.warning_count == 1 and "1 warnings" in claim.transitions.get().reason


def test_filing_rechecks_the_claim_window_on_the_filing_day(client_a, analyst, firm_admin):
    line = ImportLineFactory(entry__client=client_a, entry__import_date=dt.date(2021, 3, 15))
    claim = build_claim(client=client_a, preparer=analyst)
    claim.designations.update(import_line=line)
    force(claim, S.READY_TO_FILE)
    with time_machine.travel(dt.date(2026, 3, 16)):  # DBK-022: one day past the fifth anniversary
        with pytest.raises(TransitionError, match="PF-10-CLAIM"):
            claim_transition(claim=claim, to=S.FILED, by=firm_admin)
    with time_machine.travel(dt.date(2026, 3, 15)):  # DBK-021: on the anniversary, timely
        claim_transition(claim=claim, to=S.FILED, by=firm_admin)


def test_a_failing_effect_undoes_the_move(claim, client_a, analyst, firm_admin):
    """REJECTED -> DRAFT must hold the quantities again; if they are gone the claim stays rejected."""
    force(claim, S.FILED)
    claim_transition(claim=claim, to=S.REJECTED, by=None, reason="F555 EXCESS MPF CLAIMED")
    line = claim.designations.get().import_line
    line.refresh_from_db()
    assert line.quantity_available == line.quantity
    other = build_claim(client=client_a, preparer=analyst, quantity="1")
    other.designations.update(import_line=line)
    type(line).objects.filter(pk=line.pk).update(quantity_available=10)
    with pytest.raises(TransitionError, match="only 10 available"):
        claim_transition(claim=claim, to=S.DRAFT, by=firm_admin)
    claim.refresh_from_db()
    assert claim.status == S.REJECTED
    assert list(claim.transitions.values_list("to_status", flat=True)) == [S.REJECTED]


def test_another_firms_client_user_is_refused_like_any_client_user(claim):
    other_client = ClientFactory(firm=FirmFactory(name="Elsewhere", filer_code="ELS"))
    stranger = UserFactory(role="client_user", firm=None, client=other_client)
    with pytest.raises(MoveRefused):
        claim_transition(claim=claim, to=S.WITHDRAWN, by=stranger, reason="x")
