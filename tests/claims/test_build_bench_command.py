"""`bench_build` runs every step of a build on generated data, prints figures and cleans up after itself."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from claims.models import Claim, ClaimBuild
from drawback.accounts.models import Client
from imports.models import ImportLine, TariffLine

pytestmark = pytest.mark.django_db


def test_bench_build_prints_figures_and_leaves_nothing_behind():
    out = StringIO()
    call_command("bench_build", imports=400, exports=100, products=2, stdout=out, stderr=StringIO())
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["imports"] == 400 and figures["groups"] == 2
    assert figures["designations"] > 0 and figures["claims"] >= 1
    # The optimum is never below an accounting order on the same data.
    assert float(figures["refund"]) >= max(float(v) for v in figures["comparison"].values())
    steps = (
        "read_inputs_s",
        "solve_4_methods_s",
        "build_total_s",
        "save_request_s",
        "save_s",
        "money_at_risk_s",
    )
    for step in steps:
        assert figures[step] >= 0
    assert not Client.objects.filter(code="bench-build").exists()
    assert not (ImportLine.objects.exists() or Claim.objects.exists() or ClaimBuild.objects.exists())
    assert not TariffLine.objects.filter(description__startswith="Article group").exists()
