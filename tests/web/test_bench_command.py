"""The page benchmark command runs end to end on a small generated client (PostgreSQL only)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from drawback.accounts.models import Client
from imports.models import ImportLine


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the refusal on other databases")
def test_bench_refuses_other_databases(db):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_web", "--lines", "10")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark measures PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_bench_prints_a_figure_per_request_and_cleans_up():
    out = io.StringIO()
    call_command(
        "bench_web", "--lines", "120", "--claims", "40", "--runs", "1", "--portal-runs", "2", stdout=out
    )
    text = out.getvalue()
    assert "client bench-web: 120 lines, 12 exports, 40 claims" in text
    lines = text.splitlines()
    rows = lines[lines.index(next(x for x in lines if x.startswith("request"))) + 1 :]
    assert len(rows) == 32, text  # 21 data pages and calls, 11 of the client portal
    for row in rows:
        median, p95, worst, queries = row.split()[-4:]
        assert 0 < float(median) <= float(p95) <= float(worst) and int(queries) > 0
    assert not Client.objects.filter(code="bench-web").exists()
    assert not ImportLine.objects.exists()
    from claims.models import Claim

    assert not Claim.objects.exists()
