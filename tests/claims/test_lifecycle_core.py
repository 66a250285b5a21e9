"""The claim state machine core: allowed and forbidden moves, and the audit trail."""

import itertools

import pytest

from claims.lifecycle import ALLOWED_MOVES, TransitionError, can_move, claim_transition
from claims.models import Claim, ClaimTransition
from tests.factories import build_claim

S = Claim.Status


@pytest.fixture
def claim(client_a, analyst):
    # A claim that passes pre-flight: DRAFT -> VALIDATED is guarded by it.
    return build_claim(client=client_a, preparer=analyst)


def test_every_status_has_a_row_in_the_table():
    assert set(ALLOWED_MOVES) == set(S.values)


@pytest.mark.parametrize("src, dst", list(itertools.product(S.values, S.values)))
def test_table_decides_each_pair(src, dst):
    assert can_move(src, dst) == (dst in ALLOWED_MOVES[src])


def test_move_is_recorded_with_who_and_why(claim, analyst):
    claim_transition(claim=claim, to=S.VALIDATED, by=analyst, reason="pre-flight passed")
    claim.refresh_from_db()
    assert claim.status == S.VALIDATED
    record = ClaimTransition.objects.get(claim=claim)
    assert (record.from_status, record.to_status, record.by, record.reason) == (
        S.DRAFT,
        S.VALIDATED,
        analyst,
        "pre-flight passed",
    )


def test_forbidden_move_changes_nothing(claim, analyst):
    with pytest.raises(TransitionError, match="cannot move from Draft to Filed"):
        claim_transition(claim=claim, to=S.FILED, by=analyst)
    claim.refresh_from_db()
    assert claim.status == S.DRAFT
    assert not ClaimTransition.objects.exists()


def test_terminal_statuses_have_no_way_out():
    assert ALLOWED_MOVES[S.CLOSED] == set() and ALLOWED_MOVES[S.WITHDRAWN] == set()
