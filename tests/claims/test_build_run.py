"""Running a build: the proposal it stores, the chord of product groups (eager here), progress counting, and
what happens when a step runs twice, fails, or finds the data changed."""

from decimal import Decimal

import pytest

from claims.building import services
from claims.models import ClaimBuild, ClaimBuildBatch
from imports.models import ImportLine, TariffLine
from tests.claims.build_data import PARAMS, client_lines, designations, rows_by_pair, run_build
from tests.factories import ExportFactory, ImportLineFactory

pytestmark = pytest.mark.django_db
S = ClaimBuild.Status


def test_the_proposal_holds_exact_designations_totals_comparison_and_exclusions(client_a, analyst):
    data = client_lines(client_a)
    build = run_build(client_a, analyst)
    result = build.result
    assert (build.status, build.progress, build.groups_total, build.groups_done) == (S.DONE, 100, 1, 1)

    rows = rows_by_pair(build)
    l1, l2, l3 = (x.entry.entry_number for x in (data.l1, data.l2, data.l3))
    assert {k: Decimal(r["quantity"]) for k, r in rows.items()} == {
        ("X-DEAR", l1): 80,
        ("X-CHEAP", l1): 20,
        ("X-CHEAP", l2): 30,
        ("X-DIRECT", l3): 10,
    }
    cheap = rows[("X-CHEAP", l1)]
    # Claim: the lesser-of halves the ad valorem classes (export 50 a unit against entered 100 a unit);
    # calculated: the same 20 units without it.
    assert {k: Decimal(v["claim"]) for k, v in cheap["amounts"].items()} == {
        "364": Decimal("163.35"),
        "399": Decimal("3.42936"),
    }
    assert {k: Decimal(v["calculated"]) for k, v in cheap["amounts"].items()} == {
        "364": Decimal("326.70"),
        "399": Decimal("6.85872"),
    }
    assert (cheap["provision"], cheap["method"]) == ("59", "substitution")
    assert (cheap["entered_value_per_unit"], cheap["substituted_value_per_unit"]) == (
        "100.000000",
        "50.000000",
    )
    direct = rows[("X-DIRECT", l3)]
    assert (direct["provision"], direct["method"], direct["substituted_value_per_unit"]) == (
        "58",
        "direct",
        None,
    )
    assert Decimal(direct["refund"]) == Decimal("163.35")

    citations = [step["citation"] for step in cheap["explanation"]]
    assert "19 U.S.C. 1313(j)(2); 19 CFR 190.32(b)(1)" in citations  # the lesser-of step
    assert any("x 0.5" in step["text"] for step in cheap["explanation"])

    assert result["totals"] == {
        "364": {"claim": "1878.53", "calculated": "2041.88"},
        "399": {"claim": "30.86", "calculated": "34.29"},
    }
    assert result["refund"] == "1909.39"
    assert result["by_provision"]["58"]["refund"] == "163.35"
    assert result["by_provision"]["59"]["totals"] == {"364": "1715.18", "399": "30.86"}
    comparison = {c["method"]: (c["refund"], c["uplift"]) for c in result["comparison"]}
    assert comparison["optimal"] == ("1909.39", "0.00")
    assert comparison["fifo"] == ("1659.22", "250.17")
    assert set(comparison) == {"optimal", "fifo", "lifo", "lohi"}

    excluded = {x["ref"]: x for x in result["exclusions"]}
    assert excluded["X-CANADA"]["citation"].startswith("19 U.S.C. 1313(j)(4)")
    assert "not an exportation" in excluded["X-CANADA"]["reason"]


def test_another_method_can_be_proposed_and_is_compared_with_the_optimum(client_a, analyst):
    client_lines(client_a)
    build = run_build(client_a, analyst, method="fifo")
    assert (build.result["method"], build.result["refund"]) == ("fifo", "1659.22")
    comparison = {c["method"]: c["uplift"] for c in build.result["comparison"]}
    assert comparison["fifo"] == "250.17" and comparison["optimal"] == "0.00"


def second_product(client):
    """A second product group (bolts by the kilo), so the build has two groups to share out."""
    TariffLine.objects.create(hts="73181500", description="Screws and bolts", general_rate="5%")
    ImportLineFactory(
        entry__client=client,
        hts="7318150000",
        uom="KG",
        quantity=Decimal("100"),
        entered_value=Decimal("1000.00"),
        duty=Decimal("50.00"),
    )
    ExportFactory(
        client=client,
        export_ref="X-BOLTS",
        hts="7318150000",
        uom="KG",
        quantity=Decimal("10"),
        value=Decimal("200"),
    )


@pytest.fixture
def chorded(monkeypatch):
    """Every build goes out as a chord, one group per task."""
    monkeypatch.setattr(services, "CHORD_MIN_PAIRS", 0)
    monkeypatch.setattr(services, "BATCH_GROUPS", 1)


def test_a_large_build_runs_as_a_chord_of_group_tasks_with_the_same_result(client_a, analyst, monkeypatch):
    client_lines(client_a)
    second_product(client_a)
    inline = run_build(client_a, analyst)

    dispatched = []
    from celery import canvas

    real_chord = canvas.chord

    def spy(header, *args, **kwargs):
        dispatched.append(len(header))
        return real_chord(header, *args, **kwargs)

    monkeypatch.setattr("celery.chord", spy)
    monkeypatch.setattr(services, "CHORD_MIN_PAIRS", 0)
    monkeypatch.setattr(services, "BATCH_GROUPS", 1)
    chord_build = run_build(client_a, analyst)

    assert dispatched == [2]  # two product groups, one task each
    assert chord_build.status == S.DONE
    assert (chord_build.groups_total, chord_build.groups_done, chord_build.progress) == (2, 2, 100)
    assert list(ClaimBuildBatch.objects.filter(build=chord_build).values_list("groups", "groups_done")) == [
        (1, 1),
        (1, 1),
    ]
    assert designations(chord_build) == designations(inline)
    assert chord_build.result["comparison"] == inline.result["comparison"]
    # 10 kg of bolts at 0.495 a kg (99% of 0.50) joins the 1,909.39 of the cotton.
    assert inline.result["refund"] == "1914.34"


def test_progress_counts_each_group_once_even_when_a_task_is_delivered_twice(client_a, analyst, chorded):
    client_lines(client_a)
    second_product(client_a)
    build = services.claim_build_start(client=client_a, user=analyst, parameters=PARAMS)
    ClaimBuild.objects.filter(pk=build.pk).update(status=S.RUNNING, groups_total=3)
    ClaimBuildBatch.objects.create(build=build, number=0, groups=2)
    ClaimBuildBatch.objects.create(build=build, number=1, groups=1)

    progress = services._BatchProgress(build.pk, 0)
    progress.report(1, force=True)
    build.refresh_from_db()
    assert (build.groups_done, build.progress) == (1, 5 + 90 * 1 // 3)
    # The same batch delivered again starts over: nothing is counted twice ...
    again = services._BatchProgress(build.pk, 0)
    again.report(1, force=True)
    build.refresh_from_db()
    assert build.groups_done == 1
    # ... and the groups it gets further are counted once.
    again.report(2, force=True)
    services._BatchProgress(build.pk, 1).report(1, force=True)
    build.refresh_from_db()
    assert (build.groups_done, build.progress) == (3, 95)


def test_running_or_finishing_a_build_twice_changes_nothing(client_a, analyst):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    before = (build.result, build.finished_at)
    services.claim_build_run(build_id=build.pk)
    services.claim_build_finish(build_id=build.pk, results=[])
    build.refresh_from_db()
    assert (build.result, build.finished_at) == before and build.status == S.DONE


def test_data_changed_between_preparation_and_assembly_fails_the_build(
    client_a, analyst, chorded, monkeypatch
):
    data = client_lines(client_a)
    second_product(client_a)
    from claims import tasks

    real_finish = tasks.claim_build_finish

    class Meanwhile:
        """Another claim takes 10 units of L2 after the groups were built, before they are assembled."""

        @staticmethod
        def s(**kwargs):
            ImportLine.objects.filter(pk=data.l2.pk).update(quantity_available=Decimal("90"))
            return real_finish.s(**kwargs)

    monkeypatch.setattr(tasks, "claim_build_finish", Meanwhile)
    build = run_build(client_a, analyst)
    assert build.status == S.FAILED
    assert "data changed while the build ran" in build.message
    assert build.finished_at is not None


def test_an_unexpected_error_marks_the_build_failed_with_the_reason(client_a, analyst, monkeypatch):
    client_lines(client_a)

    def broken(*args, **kwargs):
        raise RuntimeError("solver unavailable")

    monkeypatch.setattr(services, "build_groups", broken)
    build = run_build(client_a, analyst)
    assert build.status == S.FAILED
    assert build.message == "The build failed: solver unavailable"


def test_bad_parameters_are_refused_before_anything_is_queued(client_a, analyst):
    with pytest.raises(services.BuildError, match="drawback_port"):
        services.claim_build_start(
            client=client_a, user=analyst, parameters={**PARAMS, "drawback_port": "9999"}
        )
    with pytest.raises(services.BuildError, match="export_to"):
        services.claim_build_start(
            client=client_a,
            user=analyst,
            parameters={**PARAMS, "export_from": "2025-05-01", "export_to": "2025-01-01"},
        )
    assert not ClaimBuild.objects.exists()


def test_client_users_and_other_firms_cannot_start_builds(client_a, client_user_a, other_firm_user):
    for user in (client_user_a, other_firm_user):
        with pytest.raises(services.BuildError):
            services.claim_build_start(client=client_a, user=user, parameters=PARAMS)


@pytest.fixture
def other_firm_user(db):
    from tests.factories import FirmFactory, UserFactory

    return UserFactory(username="otto", role="analyst", firm=FirmFactory(name="Other", filer_code="OTH"))


def test_a_build_is_queued_on_commit(client_a, analyst, django_capture_on_commit_callbacks, monkeypatch):
    client_lines(client_a)
    queued = []
    from claims import tasks

    monkeypatch.setattr(tasks.claim_build_run, "delay", lambda **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        build = services.claim_build_start(client=client_a, user=analyst, parameters=PARAMS)
    assert queued == [] and build.status == S.QUEUED
    for callback in callbacks:
        callback()
    assert queued == [{"build_id": build.pk}]


def test_a_build_that_selects_no_export_proposes_nothing_and_cannot_be_saved(client_a, analyst):
    client_lines(client_a)
    build = run_build(client_a, analyst, destinations=["BR"])
    assert (build.status, build.result["designations_count"], build.result["refund"]) == (S.DONE, 0, "0")
    assert build.groups_total == 0 and build.progress == 100
    with pytest.raises(services.BuildError, match="designates nothing"):
        services.claim_build_save(build=build, user=analyst)
