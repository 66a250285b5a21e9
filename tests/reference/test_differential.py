"""The `designate` command against the independent reference (tests/reference/contract.py).

Three kinds of test:

- Random instances (generate.py, profile FULL): the optimal designation passes every check of checker.py
  and its exact refund equals the reference optimum; the claim total it prints is the per-class rounding of
  an optimal designation. FIFO, LIFO and low-to-high pass the checker and never exceed the optimum.
- Probes (probes.py): one minimal instance per reading of contract.py, each with a hand-worked total.
- Disagreements: minimal instances where the command and the reference read the documents differently,
  marked xfail(strict=True) with the disagreement id. When one is settled, its test flips: if the command
  changes, remove the marker and the matching entry of OPEN_DISAGREEMENTS; if the reference changes,
  change its default reading in contract.Options / checker and remove the test.

While a disagreement is open, the random tests compare under the command's reading of that point
(OPEN_DISAGREEMENTS), so that every other rule is still checked exactly on random data.

Default run: DESIGNATE_DIFF_EXAMPLES=60 random instances (about half a minute). A bigger run:
    DESIGNATE_DIFF_EXAMPLES=2000 DESIGNATE_DIFF_SEED=10000 pytest tests/reference/test_differential.py
"""

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.reference.builders import E2, exp, imp, texts
from tests.reference.contract import InputError, Instance, Options, max_rounded_total
from tests.reference.differential import compare
from tests.reference.generate import FULL, generate
from tests.reference.probes import PROBES, TARIFF_PROBES
from tests.reference.run_designate import designate_available, run_subprocess

pytestmark = pytest.mark.skipif(not designate_available(), reason="the designate command is not installed")

EXAMPLES = int(os.environ.get("DESIGNATE_DIFF_EXAMPLES", "60"))
FIRST_SEED = int(os.environ.get("DESIGNATE_DIFF_SEED", "0"))
SEEDS = range(FIRST_SEED, FIRST_SEED + EXAMPLES)

# The command's readings of the points still open (see the disagreement tests below).
OPEN_DISAGREEMENTS = {}
COMMAND_READINGS = Options(
    blank_statistical_description_inherits="D1" in OPEN_DISAGREEMENTS,
    direct_identification_locks_line="D2" in OPEN_DISAGREEMENTS,
)
ENTRY_ORDER = "as_written" if "D4" in OPEN_DISAGREEMENTS else "normalized"


def _files(tmp_path: Path, imports: str, exports: str, tariff: str) -> dict[str, Path]:
    paths = {
        "imports": tmp_path / "imports.csv",
        "exports": tmp_path / "exports.csv",
        "tariff": tmp_path / "hts.csv",
    }
    paths["imports"].write_text(imports, encoding="utf-8")
    paths["exports"].write_text(exports, encoding="utf-8")
    paths["tariff"].write_text(tariff, encoding="utf-8")
    return paths


def _generated(seed: int, tmp_path: Path, options: Options = COMMAND_READINGS):
    generated = generate(seed, FULL)
    paths = generated.write(tmp_path)
    instance = Instance(
        paths["imports"], paths["exports"], paths["tariff"], generated.filing_date, options=options
    )
    return generated, paths, instance


# ----------------------------------------------------------------------------------------------------------
# Random instances
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_optimal_designation_is_valid_and_reaches_the_exact_optimum(seed, tmp_path):
    generated, paths, instance = _generated(seed, tmp_path)
    result = compare(instance, paths, generated.filing_date, "optimal", entry_order=ENTRY_ORDER)
    assert result.problems == [], f"seed {seed}"
    assert result.check.reported_cents is not None


@pytest.mark.parametrize("seed", SEEDS[: max(1, EXAMPLES // 3)])
@pytest.mark.parametrize("method", ["fifo", "lifo", "lohi"])
def test_accounting_orders_are_valid_and_never_beat_the_optimum(seed, method, tmp_path):
    generated, paths, instance = _generated(seed, tmp_path)
    result = compare(instance, paths, generated.filing_date, method, entry_order=ENTRY_ORDER)
    assert result.problems == [], f"seed {seed}"
    assert result.check.exact_total <= instance.optimum.value
    assert result.check.reported_cents <= max_rounded_total(instance).cents


def test_command_run_as_a_process_ends_with_the_json_summary(tmp_path):
    generated, paths, instance = _generated(FIRST_SEED + 3, tmp_path)
    result = compare(
        instance, paths, generated.filing_date, "optimal", runner=run_subprocess, entry_order=ENTRY_ORDER
    )
    assert result.problems == []
    assert result.run.stdout.strip().splitlines()[-1].startswith("{")


# ----------------------------------------------------------------------------------------------------------
# Probes: one reading each
# ----------------------------------------------------------------------------------------------------------

PROBE_DISAGREEMENTS: dict[str, str] = {}


def _probe_params():
    for probe in PROBES:
        marks = []
        if probe.id in PROBE_DISAGREEMENTS:
            marks.append(pytest.mark.xfail(strict=True, reason=PROBE_DISAGREEMENTS[probe.id]))
        yield pytest.param(probe, id=probe.id, marks=marks)


@pytest.mark.parametrize("probe", list(_probe_params()))
def test_probe_matches_the_reference(probe, tmp_path):
    imports, exports, tariff = texts(probe.imports, probe.exports, TARIFF_PROBES)
    paths = _files(tmp_path, imports, exports, tariff)
    filing = dt.date.fromisoformat(probe.filing)
    instance = Instance(imports, exports, tariff, filing)
    assert instance.optimum.total_text == probe.expected
    result = compare(instance, paths, filing)
    assert result.problems == [], probe.note
    assert result.check.reported_cents == instance.optimum.total_cents


# ----------------------------------------------------------------------------------------------------------
# Disagreements (see the report for the readings and citations)
# ----------------------------------------------------------------------------------------------------------

T_SHIRT = "6109100004"


def _run_case(tmp_path, imports_rows, exports_rows, filing, *, entry_order="normalized"):
    imports, exports, tariff = texts(imports_rows, exports_rows, TARIFF_PROBES)
    paths = _files(tmp_path, imports, exports, tariff)
    filing = dt.date.fromisoformat(filing)
    instance = Instance(imports, exports, tariff, filing)
    return instance, compare(instance, paths, filing, entry_order=entry_order)


def test_d1_blank_statistical_description_does_not_begin_with_other(tmp_path):
    # 4202.92.31 "Other" / 4202.92.31.20 "" (blank): the reference reads the blank row as not "Other"
    # (data-contract.md: read from the Description of that row) and allows 10-digit substitution.
    line = imp(
        hts="4202923120", import_date="2024-01-10", quantity=10, uom="NO", entered_value="1000", duty="200"
    )
    export = exp("X", export_date="2024-03-01", hts="4202923120", quantity=10, uom="NO", value="1000")
    instance, result = _run_case(tmp_path, [line], [export], "2024-09-01")
    assert instance.optimum.total_text == "198.00"
    assert result.problems == []


def test_d2_line_named_for_direct_identification_may_still_serve_substitution(tmp_path):
    # One line of 100 DOZ. Export DI names it for 10 DOZ; export SUB asks 100 DOZ of the same goods.
    # One method per line (190.51(a)(3)): substitution of all 100 (163.35) beats direct identification of
    # 10 (16.34). The command designates the 10 by direct identification and stops.
    line = imp(
        hts=T_SHIRT, import_date="2024-01-10", quantity=100, uom="DOZ", entered_value="1000", duty="165.00"
    )
    exports = [
        exp(
            "DI",
            export_date="2024-03-01",
            hts=T_SHIRT,
            quantity=10,
            uom="DOZ",
            value="100",
            entry_number=line["entry_number"],
            line_number=1,
        ),
        exp("SUB", export_date="2024-03-02", hts=T_SHIRT, quantity=100, uom="DOZ", value="1000"),
    ]
    instance, result = _run_case(tmp_path, [line], exports, "2024-09-01")
    assert instance.optimum.total_text == "163.35"
    assert result.problems == []


@pytest.mark.parametrize(
    ("quantity", "export_qty", "duty", "expected"),
    [
        ("1000000.0001", "1000000", "1000005.00", "990004.95"),
        ("10000000.01", "10000000", "10000000.50", "9900000.49"),
    ],
)
def test_d3_optimum_is_exact_whatever_the_scale_of_quantities(quantity, export_qty, duty, expected, tmp_path):
    # Two equal lines, except that the first paid a little more duty. The command scales quantities by 10^k
    # (k = the most decimals) and its LP's absolute tolerances (1e-9) then no longer see the difference: it
    # designates the second line and files 990000.00 / 9899999.99 instead of 990004.95 / 9900000.49.
    value = str(5 * int(export_qty))
    common = dict(hts=T_SHIRT, import_date="2024-01-10", quantity=quantity, uom="DOZ", entered_value=value)
    lines = [imp(duty=duty, **common), imp(entry_number=E2, duty=export_qty + ".00", **common)]
    export = exp("SUB", export_date="2024-03-02", hts=T_SHIRT, quantity=export_qty, uom="DOZ", value=value)
    instance, result = _run_case(tmp_path, lines, [export], "2024-09-01")
    assert instance.optimum.total_text == expected
    assert result.problems == []


def test_d4_rows_sort_by_entry_number_whatever_its_dashes(tmp_path):
    # Two entries, one written with dashes and one without: ZZ9-8639206-8 and ZZ922168978. As numbers
    # ZZ92... comes first; the command sorts the text, where "-" sorts before "2".
    lines = [
        imp(
            entry_number="ZZ9-8639206-8",
            hts=T_SHIRT,
            import_date="2024-01-10",
            quantity=10,
            uom="DOZ",
            entered_value="100",
            duty="16.50",
        ),
        imp(
            entry_number="ZZ922168978",
            hts=T_SHIRT,
            import_date="2024-01-10",
            quantity=10,
            uom="DOZ",
            entered_value="100",
            duty="16.50",
        ),
    ]
    export = exp("SUB", export_date="2024-03-02", hts=T_SHIRT, quantity=20, uom="DOZ", value="200")
    instance, result = _run_case(tmp_path, lines, [export], "2024-09-01")
    assert len(instance.optimum.rows()) == 2
    assert result.problems == []


def test_d5_designated_quantity_is_exact_for_long_quantities(tmp_path):
    # 98,765,432.123456788 with nine decimals is 9.9e16 scaled units, above 2^53: the command designates
    # 98765432.123456784 of the 98765432.123456788 the export holds (the refund rounds the same).
    line = imp(
        hts=T_SHIRT,
        import_date="2024-01-10",
        quantity="98765432.123456789",
        uom="DOZ",
        entered_value="500000000",
        duty="1000000.00",
    )
    export = exp(
        "SUB",
        export_date="2024-03-02",
        hts=T_SHIRT,
        quantity="98765432.123456788",
        uom="DOZ",
        value="500000000",
    )
    instance, result = _run_case(tmp_path, [line], [export], "2024-09-01")
    assert result.problems == []
    assert result.check.quantities == instance.optimum.flows


def test_d6_many_decimals_are_valid_input(tmp_path):
    # 12,345,678.123456789012 (12 decimals) scales to 1.2e19 > 2^63: OverflowError, traceback, exit 1.
    line = imp(
        hts=T_SHIRT,
        import_date="2024-01-10",
        quantity="12345678.123456789012",
        uom="DOZ",
        entered_value="500000000",
        duty="1000000.00",
    )
    export = exp(
        "SUB",
        export_date="2024-03-02",
        hts=T_SHIRT,
        quantity="12345678.123456789012",
        uom="DOZ",
        value="500000000",
    )
    instance, result = _run_case(tmp_path, [line], [export], "2024-09-01")
    assert instance.optimum.total_text == "990000.00"
    assert result.problems == []


def test_d7_small_per_unit_refunds_on_large_quantities_still_count(tmp_path):
    # 100.00 of duty over 1,000,000,000.000001 DOZ: 9.9e-8 per unit, 9.9e-14 per scaled unit (10^-6), below
    # the command's 1e-12 cut-off, so the pair is not considered and 99.00 is lost.
    line = imp(
        hts=T_SHIRT,
        import_date="2024-01-10",
        quantity="1000000000.000001",
        uom="DOZ",
        entered_value="1000",
        duty="100.00",
    )
    export = exp("SUB", export_date="2024-03-02", hts=T_SHIRT, quantity="1000000000", uom="DOZ", value="1000")
    instance, result = _run_case(tmp_path, [line], [export], "2024-09-01")
    assert instance.optimum.total_text == "99.00"
    assert result.problems == []


# ----------------------------------------------------------------------------------------------------------
# Bad input: exit non-zero, nothing written, each problem named (data-contract.md)
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line_fix", "export_fix", "column"),
    [
        ({"entry_number": "B76-0324527-9"}, {}, "entry_number"),
        ({"quantity": "0"}, {}, "quantity"),
        ({}, {"entry_number": E2, "line_number": "1"}, "entry_number"),
        ({}, {"recovered_value": "10"}, "recovered_value"),
    ],
)
def test_bad_input_exits_non_zero_and_writes_nothing(line_fix, export_fix, column, tmp_path):
    line = imp(hts=T_SHIRT, import_date="2024-01-10", quantity=10, uom="DOZ", entered_value="1000", duty="1")
    export = exp("X", export_date="2024-03-01", hts=T_SHIRT, quantity=10, uom="DOZ", value="1")
    line.update(line_fix)
    export.update(export_fix)
    imports, exports, tariff = texts([line], [export], TARIFF_PROBES)
    paths = _files(tmp_path, imports, exports, tariff)
    run = run_subprocess(paths, dt.date(2024, 9, 1), None, tmp_path / "out.csv")
    assert run.exit_code != 0
    assert run.designations is None
    assert column in run.stderr + run.stdout
    with pytest.raises(InputError):
        Instance(imports, exports, tariff, dt.date(2024, 9, 1))
