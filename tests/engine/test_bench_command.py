"""bench_optimize runs end to end on a small size and reports the optimum against FIFO."""

import io
import re
from decimal import Decimal

from django.core.management import call_command


def test_bench_optimize_prints_figures_for_a_small_size():
    out = io.StringIO()
    call_command("bench_optimize", sizes="400x120", products=3, compare="fifo,lohi", workers=1, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["imports", "exports", "groups"]
    row = lines[1].split()
    assert row[:2] == ["400", "120"] and row[2] == "3"
    refund, fifo = (Decimal(x.replace(",", "")) for x in row[9:11])
    assert refund >= fifo > 0
    assert re.search(r"lohi: [\d,]+\.\d\d", out.getvalue())
