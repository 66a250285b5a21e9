"""Two analysts save builds designating the same import line at the same moment, on separate database
connections: the line is never over-designated, and one save fails cleanly naming the line.

Row locks and READ COMMITTED re-checks are what make this safe, so it runs on PostgreSQL (as in CI)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections

from claims.building import services
from claims.models import Claim, ClaimBuild, Designation
from imports.models import ImportLine
from tests.claims.build_data import client_lines, designations, run_build

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent sessions need PostgreSQL"
    ),
]


@pytest.fixture
def two_builds(client_a, analyst, reviewer):
    """Build A gives X-DEAR 80 of L1, build B gives X-CHEAP 50 of L1: together 130 of L1's 100."""
    data = client_lines(client_a)
    a = run_build(client_a, analyst, destinations=["JP"])
    b = run_build(client_a, reviewer, destinations=["DE"])
    for build in (a, b):
        assert build.status == ClaimBuild.Status.DONE
    assert {r["line_id"] for r in designations(a)} == {data.l1.pk}
    assert data.l1.pk in {r["line_id"] for r in designations(b)}
    return data, a, b


def save_in_thread(build, user, outcomes, *, before=None):
    def run():
        try:
            if before:
                before()
            claims = services.claim_build_save(build=build, user=user)
            outcomes[build.pk] = ("saved", [c.number for c in claims])
        except services.BuildError as exc:
            outcomes[build.pk] = ("refused", str(exc))
        finally:
            connections.close_all()  # this thread's own connection, not kept open past the test

    return threading.Thread(target=run)


def assert_never_over_designated(data):
    line = ImportLine.objects.get(pk=data.l1.pk)
    designated = sum(Designation.objects.filter(import_line=line).values_list("quantity", flat=True))
    assert designated + line.quantity_available == line.quantity
    assert designated <= line.quantity


def test_a_save_waiting_on_the_others_uncommitted_designation_fails_naming_the_line(
    two_builds, analyst, reviewer, monkeypatch
):
    data, a, b = two_builds
    real_reserve = services.reserve
    a_holds_the_line = threading.Event()

    def reserve_then_linger(holding, **options):
        real_reserve(holding, **options)
        if threading.current_thread().name == "A":
            # A has taken 80 of L1 and not committed yet; B starts now and must wait for A's row lock.
            a_holds_the_line.set()
            time.sleep(0.5)

    monkeypatch.setattr(services, "reserve", reserve_then_linger)
    outcomes: dict = {}
    first = save_in_thread(a, analyst, outcomes)
    first.name = "A"
    second = save_in_thread(b, reviewer, outcomes, before=lambda: a_holds_the_line.wait(10))
    started = time.monotonic()
    first.start()
    second.start()
    first.join(30)
    second.join(30)

    assert outcomes[a.pk][0] == "saved"
    status, message = outcomes[b.pk]
    assert status == "refused"
    entry = data.l1.entry.display_number
    assert f"entry {entry} line 1: 50 DOZ needed but only 20 available" in message
    assert message.startswith("Nothing was saved")
    assert time.monotonic() - started >= 0.5  # B waited for A to commit
    assert_never_over_designated(data)
    b.refresh_from_db()
    assert b.status == ClaimBuild.Status.DONE and not Claim.objects.filter(build=b).exists()
    assert ImportLine.objects.get(pk=data.l3.pk).quantity_available == 20  # nothing of B's was kept


def test_two_saves_started_together_leave_exactly_one_winner(two_builds, analyst, reviewer):
    data, a, b = two_builds
    barrier = threading.Barrier(2)
    outcomes: dict = {}
    threads = [
        save_in_thread(a, analyst, outcomes, before=lambda: barrier.wait(10)),
        save_in_thread(b, reviewer, outcomes, before=lambda: barrier.wait(10)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    results = sorted(status for status, _ in outcomes.values())
    assert results == ["refused", "saved"]
    (refusal,) = [m for s, m in outcomes.values() if s == "refused"]
    assert f"entry {data.l1.entry.display_number} line 1" in refusal
    assert_never_over_designated(data)
    # The numbers taken by the two saves never collide, even the refused one's (it leaves a gap).
    numbers = list(Claim.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) >= 1


def test_claim_numbers_taken_at_the_same_moment_are_unique(firm):
    from claims.building.numbers import claim_numbers_allocate

    barrier = threading.Barrier(4)
    taken: list[str] = []

    def take():
        try:
            barrier.wait(10)
            taken.extend(claim_numbers_allocate(firm=firm, count=5))
        finally:
            connections.close_all()  # this thread's own connection, not kept open past the test

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(taken) == 20 and len(set(taken)) == 20
    assert sorted(int(n[3:10]) for n in taken) == list(range(1, 21))


def test_the_race_data_is_what_the_tests_expect(two_builds):
    data, a, b = two_builds
    quantities = {
        r["export_ref"]: Decimal(r["quantity"]) for r in designations(b) if r["line_id"] == data.l1.pk
    }
    assert quantities == {"X-CHEAP": Decimal("50")}
