"""Corrections after filing: a new draft that replaces the filed claim, reviewed like any claim, and the
quantities the pair holds while the replacement is pending and once CBP accepts it."""

from decimal import Decimal

import pytest

from claims.ledger import held_by_line
from claims.lifecycle import TransitionError, claim_transition
from claims.models import Claim
from claims.preflight import claim_preflight
from claims.services import (
    ClaimError,
    claim_correction_create,
    claim_validate,
    claim_withdraw,
    designation_remove,
)
from reviews.services import checklist_items, review_approve, review_start
from tests.factories import ExportFactory, ImportLineFactory, NoticeOfIntentFactory, build_claim, designate

S = Claim.Status


def force(claim, status):
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.status = status


def available(obj):
    obj.refresh_from_db()
    return obj.quantity_available


@pytest.fixture
def filed(client_a, analyst):
    """An accepted claim designating 100 of a 1,000-unit line against a 300-unit export."""
    claim = build_claim(client=client_a, preparer=analyst)
    claim.designations.all().delete()
    claim.class_totals.all().delete()
    line = ImportLineFactory(entry__client=client_a, quantity=Decimal("1000"))
    export = ExportFactory(client=client_a, quantity=Decimal("300"))
    NoticeOfIntentFactory(export=export)
    designate(claim, line, export, "100", by=analyst)
    force(claim, S.ACCEPTED)
    claim.line, claim.export = line, export
    return claim


def test_a_correction_copies_the_claim_and_holds_nothing_more(filed, analyst):
    correction = claim_correction_create(claim=filed, by=analyst)
    assert correction.status == S.DRAFT and correction.replaces == filed
    assert correction.number == filed.number and correction.pk != filed.pk
    assert correction.preparer == analyst
    assert list(correction.designations.values_list("import_line", "export", "quantity")) == list(
        filed.designations.values_list("import_line", "export", "quantity")
    )
    assert list(correction.class_totals.values_list("accounting_class", "claim_amount")) == list(
        filed.class_totals.values_list("accounting_class", "claim_amount")
    )
    assert available(filed.line) == 900 and available(filed.export) == 200
    assert held_by_line([filed.line.pk])[filed.line.pk] == 100


@pytest.mark.parametrize("status", [S.DRAFT, S.READY_TO_FILE, S.FILED, S.REJECTED, S.LIQUIDATED, S.CLOSED])
def test_only_accepted_unliquidated_claims_are_corrected(filed, analyst, status):
    force(filed, status)
    with pytest.raises(
        ClaimError, match="a correction replaces a claim CBP has accepted and not yet liquidated"
    ):
        claim_correction_create(claim=filed, by=analyst)


def test_one_open_correction_at_a_time(filed, analyst):
    first = claim_correction_create(claim=filed, by=analyst)
    with pytest.raises(ClaimError, match="already has a correction in progress"):
        claim_correction_create(claim=filed, by=analyst)
    claim_withdraw(claim=first, by=analyst, reason="started over")
    assert available(filed.line) == 900  # withdrawing the copy does not release what the filed claim holds
    claim_correction_create(claim=filed, by=analyst)


def test_client_users_cannot_correct(filed, client_user_a):
    with pytest.raises(ClaimError, match="client users"):
        claim_correction_create(claim=filed, by=client_user_a)


def test_the_correction_holds_only_what_it_adds_until_cbp_accepts_it(filed, analyst, client_a):
    correction = claim_correction_create(claim=filed, by=analyst)
    # Change 100 to 150 on the same pair, and drop nothing else.
    designation_remove(designation=correction.designations.get(), by=analyst)
    assert available(filed.line) == 900  # the filed claim still holds its 100
    designate(correction, filed.line, filed.export, "150", by=analyst)
    assert available(filed.line) == 850 and available(filed.export) == 150
    assert held_by_line([filed.line.pk])[filed.line.pk] == 150
    claim_withdraw(claim=correction, by=analyst, reason="not needed")
    assert available(filed.line) == 900 and available(filed.export) == 200


def test_when_cbp_accepts_the_replacement_what_it_dropped_is_released(filed, analyst, client_a):
    other_line = ImportLineFactory(entry__client=client_a, quantity=Decimal("50"))
    correction = claim_correction_create(claim=filed, by=analyst)
    designation_remove(designation=correction.designations.get(), by=analyst)
    designate(correction, filed.line, filed.export, "60", by=analyst)  # 100 -> 60
    designate(correction, other_line, ExportFactory(client=client_a), "20", by=analyst)
    assert available(filed.line) == 900  # still 100 held until the replacement is on file
    force(correction, S.FILED)
    claim_transition(claim=correction, to=S.ACCEPTED, by=None, reason="DRAWBACK HAS BEEN REPLACED")
    assert available(filed.line) == 940 and available(filed.export) == 240
    assert available(other_line) == 30
    assert held_by_line([filed.line.pk])[filed.line.pk] == 60
    with pytest.raises(ClaimError, match="replaced by an accepted correction"):
        claim_correction_create(claim=filed, by=analyst)
    assert claim_correction_create(claim=correction, by=analyst).replaces == correction


def test_a_correction_goes_through_preflight_and_both_reviews_and_is_filed(
    filed, analyst, reviewer, reviewer2, firm_admin
):
    correction = claim_correction_create(claim=filed, by=analyst)
    assert claim_validate(claim=correction, by=analyst).validated
    review_start(claim=correction, by=analyst)
    review_approve(claim=correction, by=reviewer, level=1, ticked=[i.pk for i in checklist_items(1)])
    review_approve(claim=correction, by=reviewer2, level=2, ticked=[i.pk for i in checklist_items(2)])
    claim_transition(claim=correction, to=S.FILED, by=firm_admin, reason="transmitted as replacement (R)")
    correction.refresh_from_db()
    assert correction.status == S.FILED


def test_a_correction_cannot_be_filed_once_the_claim_is_liquidated(filed, analyst, firm_admin):
    correction = claim_correction_create(claim=filed, by=analyst)
    force(correction, S.READY_TO_FILE)
    force(filed, S.LIQUIDATED)
    with pytest.raises(TransitionError, match="can no longer be replaced"):
        claim_transition(claim=correction, to=S.FILED, by=firm_admin)


def test_a_replacement_keeps_the_header_on_file(filed, analyst):
    correction = claim_correction_create(claim=filed, by=analyst)
    Claim.objects.filter(pk=correction.pk).update(drawback_port="3901", accelerated_payment=True)
    rules = {i.rule for i in claim_preflight(claim=correction) if i.is_error}
    assert "PF-R" in rules
    messages = [i.message for i in claim_preflight(claim=correction) if i.rule == "PF-R"]
    assert any("drawback filing port" in m for m in messages)
    assert any("accelerated payment indicator" in m for m in messages)
