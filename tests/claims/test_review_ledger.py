"""The designation ledger: designations hold quantity, withdrawal and rejection release it, a rejected claim
holds it again when reopened, and nothing of a filed claim changes except through a correction."""

from decimal import Decimal

import pytest
from django.db import connection

from claims.ledger import held_by_export, held_by_line
from claims.lifecycle import TransitionError, claim_transition
from claims.models import Claim, ClaimClassTotal, Designation
from claims.services import (
    ClaimError,
    ClaimLocked,
    claim_reopen,
    claim_totals_recompute,
    claim_withdraw,
    designation_add,
    designation_remove,
)
from tests.factories import (
    ClaimFactory,
    ExportFactory,
    ImportLineFactory,
    designate,
)

S = Claim.Status


def force(claim, status):
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.status = status


def big_export(client, quantity="1000"):
    return ExportFactory(client=client, quantity=Decimal(quantity))


def available(obj):
    obj.refresh_from_db()
    return obj.quantity_available


@pytest.fixture
def line(client_a):
    return ImportLineFactory(entry__client=client_a, quantity=Decimal("1000"), mpf=Decimal("50"))


@pytest.fixture
def export(client_a):
    return ExportFactory(client=client_a, quantity=Decimal("1000"))


@pytest.fixture
def claim(client_a, analyst):
    return ClaimFactory(client=client_a, preparer=analyst, provision="59")


def test_designating_holds_quantity_and_fixes_the_method(claim, line, export, analyst):
    designate(claim, line, export, "700", by=analyst)
    assert available(line) == 300 and line.designation_method == "substitution"
    assert available(export) == 300
    totals = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
    assert totals == {"364": Decimal("1143.45"), "399": Decimal("34.65")}  # 99% x 1650 x 0.7; 99% x 50 x 0.7


def test_no_over_designation_across_claims(client_a, claim, line, analyst):
    """DBK-041: 700 of 1,000 on one claim leaves 300 for the next; 400 is refused, 300 is allowed."""
    designate(claim, line, ExportFactory(client=client_a, quantity=Decimal("700")), "700", by=analyst)
    second = ClaimFactory(client=client_a, preparer=analyst)
    export2 = ExportFactory(client=client_a, quantity=Decimal("400"))
    with pytest.raises(ClaimError, match=r"400 DOZ needed but only 300 available"):
        designate(second, line, export2, "400", by=analyst)
    assert available(line) == 300 and not second.designations.exists()
    designate(second, line, export2, "300", by=analyst)
    assert available(line) == 0


def test_a_line_is_not_split_between_methods(client_a, line, analyst):
    """DBK-042: a line designated by direct identification is closed to substitution."""
    direct = ClaimFactory(client=client_a, preparer=analyst, provision="58")
    designate(direct, line, big_export(client_a), "600", by=analyst)
    substitution = ClaimFactory(client=client_a, preparer=analyst, provision="59")
    with pytest.raises(ClaimError, match=r"already designated by direct identification.*190\.51\(a\)\(3\)"):
        designate(substitution, line, big_export(client_a), "200", by=analyst)
    assert available(line) == 400


def test_the_counter_decides_not_the_callers_copy(client_a, claim, line, export, analyst):
    """The conditional UPDATE reads the row as it is, so a stale copy cannot over-designate."""
    stale = type(line).objects.get(pk=line.pk)
    designate(claim, line, export, "900", by=analyst)
    other = ClaimFactory(client=client_a, preparer=analyst)
    assert stale.quantity_available == 1000
    with pytest.raises(ClaimError, match="only 100 available"):
        designate(other, stale, big_export(client_a), "200", by=analyst)


def test_removing_a_designation_gives_the_quantity_back(claim, line, export, analyst):
    designation = designate(claim, line, export, "250", by=analyst)
    designation_remove(designation=designation, by=analyst)
    assert available(line) == 1000 and line.designation_method == ""
    assert available(export) == 1000
    assert not claim.class_totals.exists()


@pytest.mark.parametrize("how", ["withdraw", "reject"])
def test_withdrawal_and_rejection_release_the_claims_quantities(how, client_a, claim, line, export, analyst):
    designate(claim, line, export, "400", by=analyst)
    other = ClaimFactory(client=client_a, preparer=analyst)
    other_line = ImportLineFactory(entry__client=client_a)
    designate(other, line, big_export(client_a), "100", by=analyst)
    designate(claim, other_line, big_export(client_a), "30", by=analyst)
    if how == "withdraw":
        claim_withdraw(claim=claim, by=analyst, reason="client asked")
    else:
        force(claim, S.FILED)
        claim_transition(claim=claim, to=S.REJECTED, by=None, reason="F555 EXCESS MPF CLAIMED")
    assert available(line) == 900 and available(export) == 1000
    assert line.designation_method == "substitution"  # still held by the other claim
    assert available(other_line) == other_line.quantity and other_line.designation_method == ""
    assert held_by_line([line.pk]) == {line.pk: Decimal("100")}


def test_reopening_a_rejected_claim_holds_its_quantities_again(claim, line, export, analyst):
    designate(claim, line, export, "400", by=analyst)
    force(claim, S.FILED)
    claim_transition(claim=claim, to=S.REJECTED, by=None, reason="112 HTS NBR MISMATCH")
    assert available(line) == 1000
    claim_reopen(claim=claim, by=analyst)
    assert available(line) == 600 and line.designation_method == "substitution"
    assert available(export) == 600


def test_reopening_fails_clearly_when_the_quantity_went_elsewhere(client_a, claim, line, export, analyst):
    designate(claim, line, export, "400", by=analyst)
    force(claim, S.FILED)
    claim_transition(claim=claim, to=S.REJECTED, by=None, reason="rejected")
    taker = ClaimFactory(client=client_a, preparer=analyst)
    designate(taker, line, ExportFactory(client=client_a, quantity=Decimal("800")), "800", by=analyst)
    with pytest.raises(TransitionError, match=r"entry .* line \d+: 400 DOZ needed but only 200 available"):
        claim_reopen(claim=claim, by=analyst)
    claim.refresh_from_db()
    assert claim.status == S.REJECTED and available(line) == 200


def test_withdrawing_a_rejected_claim_does_not_release_twice(claim, line, export, analyst):
    designate(claim, line, export, "400", by=analyst)
    force(claim, S.FILED)
    claim_transition(claim=claim, to=S.REJECTED, by=None)
    claim_withdraw(claim=claim, by=analyst, reason="not worth refiling")
    assert available(line) == 1000


def test_designations_only_use_the_claimants_own_data(claim, client_b, analyst):
    foreign_line = ImportLineFactory(entry__client=client_b)
    with pytest.raises(ClaimError, match="own client's"):
        designate(claim, foreign_line, big_export(claim.client), "1", by=analyst)
    assert available(foreign_line) == foreign_line.quantity


def test_client_users_cannot_designate(claim, line, export, client_user_a):
    with pytest.raises(ClaimError, match="client users"):
        designate(claim, line, export, "1", by=client_user_a)


# --- immutability after filing ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.FILED, S.ACCEPTED, S.ACCELERATED_PAID, S.LIQUIDATED, S.CLOSED])
def test_filed_claims_keep_their_designations_and_amounts(status, claim, line, export, analyst, client_a):
    designation = designate(claim, line, export, "100", by=analyst)
    force(claim, status)
    with pytest.raises(ClaimLocked, match="filed with CBP.*create a correction"):
        designate(claim, line, big_export(client_a), "1", by=analyst)
    with pytest.raises(ClaimLocked):
        designation_remove(designation=designation, by=analyst)
    with pytest.raises(ClaimLocked):
        claim_totals_recompute(claim=claim)
    assert claim.designations.count() == 1 and available(line) == 900


@pytest.mark.parametrize("status", [S.VALIDATED, S.FIRST_REVIEW, S.SECOND_REVIEW, S.READY_TO_FILE])
def test_claims_in_review_change_only_after_going_back_to_draft(status, claim, line, export, analyst):
    force(claim, status)
    with pytest.raises(ClaimLocked, match="back to draft"):
        designate(claim, line, export, "1", by=analyst)


def test_the_admin_cannot_change_a_filed_claim(client, firm_admin, claim, line, export, analyst):
    designate(claim, line, export, "100", by=analyst)
    force(claim, S.FILED)
    client.force_login(firm_admin)
    firm_admin.is_superuser = True
    firm_admin.save()
    designation = claim.designations.get()
    response = client.post(
        f"/admin/claims/designation/{designation.pk}/change/",
        {"quantity": "999", "method": "direct", "provision": "58", "refund": "1", "amounts": "{}"},
    )
    assert response.status_code == 403
    response = client.post(f"/admin/claims/designation/{designation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = client.post(f"/admin/claims/claim/{claim.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    page = client.get(f"/admin/claims/claim/{claim.pk}/change/")
    assert page.status_code == 200 and b'name="provision"' not in page.content  # shown read-only
    response = client.post(
        f"/admin/claims/claim/{claim.pk}/change/", {"provision": "58", "drawback_port": "1001", "number": "X"}
    )
    assert response.status_code == 403
    designation.refresh_from_db()
    claim.refresh_from_db()
    assert designation.quantity == 100 and claim.provision == "59" and Designation.objects.count() == 1
    assert ClaimClassTotal.objects.filter(claim=claim).count() == 2


def test_held_quantities_follow_the_claims_status(client_a, claim, line, export, analyst):
    designate(claim, line, export, "100", by=analyst)
    assert held_by_line([line.pk])[line.pk] == 100 and held_by_export([export.pk])[export.pk] == 100
    claim_withdraw(claim=claim, by=analyst, reason="x")
    assert held_by_line([line.pk])[line.pk] == 0


def test_amounts_are_kept_exact_and_classes_rounded_once(claim, line, analyst, client_a):
    """Product decision 6: each class is rounded once on the exact sum, never per designation."""
    third = {"364": {"claim": "10.005", "calculated": "10.005"}}
    for _ in range(3):
        designate(claim, line, big_export(client_a), "1", by=analyst, amounts=third)
    total = claim.class_totals.get(accounting_class="364")
    assert total.claim_amount == Decimal("30.02")  # 30.015 rounded half-up; per designation it would be 30.03
    assert claim.designations.first().amounts["364"]["claim"] == "10.005"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_claims_racing_for_the_last_units_on_postgresql(client_a, analyst, monkeypatch):
    """Two threads each designate 60 of a 100-unit line on their own claim: exactly one wins.

    Both threads are held at the ledger until the other has arrived there too, each with its own claim
    locked, so the race is decided by the ledger alone: a ledger that read the quantity and wrote it back
    without its conditional UPDATE would let both win, and this test fails. A draft lock that also locked
    the client's or firm's row would keep the second thread from ever reaching the ledger: the barrier
    times out and the test fails too (one client's claims must not queue behind each other)."""
    import threading

    from django.db import close_old_connections

    import claims.services

    line = ImportLineFactory(entry__client=client_a, quantity=Decimal("100"))
    claims_ = [ClaimFactory(client=client_a, preparer=analyst) for _ in range(2)]
    exports = [ExportFactory(client=client_a, quantity=Decimal("60")) for _ in range(2)]
    start, at_ledger = threading.Barrier(2), threading.Barrier(2, timeout=10)
    ledger_change = claims.services.apply_pair_change

    def both_at_the_ledger(*args, **kwargs):
        at_ledger.wait()
        return ledger_change(*args, **kwargs)

    monkeypatch.setattr(claims.services, "apply_pair_change", both_at_the_ledger)
    outcomes = []

    def run(i):
        try:
            start.wait()
            designation_add(
                claim=claims_[i],
                import_line=line,
                export=exports[i],
                quantity=Decimal("60"),
                method="substitution",
                amounts={},
                by=analyst,
            )
            outcomes.append("ok")
        except ClaimError:
            outcomes.append("refused")
        except threading.BrokenBarrierError:
            outcomes.append("never reached the ledger together")
        except Exception as exc:  # e.g. the line's CHECK constraint, if the ledger let both through
            outcomes.append(f"{type(exc).__name__}")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert available(line) == 40 and Designation.objects.count() == 1
