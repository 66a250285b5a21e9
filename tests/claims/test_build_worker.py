"""A claim build run by a real Celery worker on Redis, as a chord of product-group tasks (not eager)."""

import time
from decimal import Decimal

import pytest

from claims.building import services
from claims.models import ClaimBuild, ClaimBuildBatch
from imports.models import TariffLine
from tests.claims.build_data import PARAMS, client_lines
from tests.factories import ExportFactory, ImportLineFactory


@pytest.mark.live_services
@pytest.mark.django_db(transaction=True)
def test_a_build_runs_as_a_chord_on_the_worker(live_worker, client_a, analyst, monkeypatch):
    client_lines(client_a)
    TariffLine.objects.create(hts="73181500", description="Screws and bolts", general_rate="5%")
    ImportLineFactory(
        entry__client=client_a,
        hts="7318150000",
        uom="KG",
        quantity=Decimal("100"),
        entered_value=Decimal("1000.00"),
        duty=Decimal("50.00"),
    )
    ExportFactory(client=client_a, hts="7318150000", uom="KG", quantity=Decimal("10"), value=Decimal("200"))
    # Two product groups, one task each (the worker runs in this process, so it sees these settings).
    monkeypatch.setattr(services, "CHORD_MIN_PAIRS", 0)
    monkeypatch.setattr(services, "BATCH_GROUPS", 1)

    build = services.claim_build_start(client=client_a, user=analyst, parameters=PARAMS)
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        build.refresh_from_db()
        seen.add(build.status)
        if build.status not in (ClaimBuild.Status.QUEUED, ClaimBuild.Status.RUNNING):
            break
        time.sleep(0.1)

    assert build.status == ClaimBuild.Status.DONE, build.message
    assert (build.groups_total, build.groups_done, build.progress) == (2, 2, 100)
    assert ClaimBuildBatch.objects.filter(build=build).count() == 2
    assert build.result["refund"] == "1914.34"
    assert {c["method"]: c["refund"] for c in build.result["comparison"]}["fifo"] == "1664.17"
