"""bench_optimize runs end to end on a small size and reports the optimum against FIFO."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


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
    assert re.search(r"the largest \(\d+ lines x \d+ exports, [\d,]+ pairs\) in [\d.]+ s", out.getvalue())
    assert re.search(
        r"projected solve wall with 1 / 2 / 4 / 8 workers: [\d.]+ / [\d.]+ / [\d.]+ / [\d.]+ s",
        out.getvalue(),
    )


def test_the_projection_never_beats_the_largest_group():
    from claims.management.commands.bench_optimize import projected_wall

    assert projected_wall([10.0, 3.0, 3.0, 2.0], 1) == 18.0
    assert (
        projected_wall([10.0, 3.0, 3.0, 2.0], 2) == 10.0
    )  # one worker on the largest, the other on the rest
    assert projected_wall([4.0, 4.0, 4.0, 4.0], 2) == 8.0
    assert projected_wall([5.0, 1.0], 8) == 5.0


def _shared_folder(tmp_path, optimum: str):
    """The designate sample files laid out as the shared benchmark data is, with a README beside them."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    folder = tmp_path / "bench" / "sample"
    folder.mkdir(parents=True)
    for source, name in (
        ("imports.csv", "imports.csv"),
        ("exports.csv", "exports.csv"),
        ("hts_sample.csv", "hts.csv"),
    ):
        (folder / name).write_bytes((fixtures / source).read_bytes())
    (tmp_path / "bench" / "README.md").write_text(
        "Unused-merchandise substitution, claim filed on **2026-11-26**.\n\n"
        "| figure | value |\n|---|---|\n"
        f"| optimum (sum of the classes, each rounded once, half-up) | **${optimum}** |\n",
        encoding="utf-8",
    )
    return folder


def test_shared_data_is_checked_against_its_certified_optimum(tmp_path):
    folder = _shared_folder(tmp_path, "82,824.67")  # the designate sample's optimum (test_designate_command)
    out = io.StringIO()
    call_command("bench_optimize", only_shared=True, shared_data=str(folder), workers=1, stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0].split()[0] == "data"  # no generated sizes with --only-shared
    row = text.splitlines()[1].split()
    assert row[0] == "sample" and "82,824.67" in row
    assert "certified optimum 82,824.67: refund equal (difference 0.00)" in text


def test_shared_data_below_its_certified_optimum_fails(tmp_path):
    folder = _shared_folder(tmp_path, "82,824.68")
    out = io.StringIO()
    with pytest.raises(CommandError, match="not the certified optimum"):
        call_command("bench_optimize", only_shared=True, shared_data=str(folder), workers=1, stdout=out)
    assert "refund BELOW (difference -0.01)" in out.getvalue()


def test_shared_data_absent_is_skipped_with_a_message(tmp_path):
    out = io.StringIO()
    call_command("bench_optimize", only_shared=True, shared_data=str(tmp_path / "none"), stdout=out)
    assert out.getvalue().startswith(f"shared data skipped: {tmp_path / 'none'} has no imports.csv")
