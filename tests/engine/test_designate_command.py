"""The `designate` command against data-contract.md: the sample files, the output form, and bad input."""

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
SAMPLE = {"imports": FIX / "imports.csv", "exports": FIX / "exports.csv", "tariff": FIX / "hts_sample.csv"}


def designate(out: Path, *, method="optimal", filing="2026-11-26", **files):
    paths = {**SAMPLE, **files}
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "designate",
        imports=str(paths["imports"]),
        exports=str(paths["exports"]),
        tariff=str(paths["tariff"]),
        filing_date=filing,
        out=str(out),
        method=method,
        stdout=stdout,
        stderr=stderr,
    )
    return stdout.getvalue(), stderr.getvalue()


def read_out(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_sample_files_give_sorted_rows_and_a_json_summary(tmp_path):
    out = tmp_path / "designations.csv"
    stdout, _ = designate(out)
    summary = json.loads(stdout.strip().splitlines()[-1])
    rows = read_out(out)
    assert list(rows[0]) == ["entry_number", "line_number", "export_ref", "provision", "quantity", "refund"]
    assert summary["rows"] == len(rows) == 11
    assert summary["refund"] == "82824.67"
    assert isinstance(summary["seconds"], float)
    keys = [(r["export_ref"], r["entry_number"], int(r["line_number"])) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        assert Decimal(r["quantity"]) > 0
        decimals = r["refund"].split(".")[1]
        assert 2 <= len(decimals) <= 6
    # The direct-identification exports that name their line are provision 58, the rest 59.
    exports = {r["export_ref"]: r for r in csv.DictReader(open(SAMPLE["exports"], encoding="utf-8"))}
    for r in rows:
        assert r["provision"] == ("58" if exports[r["export_ref"]]["entry_number"] else "59")
    # Canada/Mexico substitution exports and the 'Other/Other' plastics export get nothing.
    refs = {r["export_ref"] for r in rows}
    assert not refs & {"X20250725706542", "X20251006610681", "X20261120494882"}
    # One row worked by hand: 580 DOZ of EJ8-0009677-1 line 3 (duty 29,638.00 + Section 301 44,906.06 on
    # 3,450 DOZ entered at 179,624.23) against X20250324197246 (1,134 DOZ at 32,325.98): lesser-of applies.
    row = next(r for r in rows if r["export_ref"] == "X20250324197246" and r["line_number"] == "3")
    per_unit = (Decimal("29638.00") + Decimal("44906.06")) / 3450
    factor = (Decimal("32325.98") / 1134) / (Decimal("179624.23") / 3450)
    expected = Decimal("0.99") * per_unit * factor * 580
    assert row["entry_number"] == "EJ8-0009677-1" and row["quantity"] == "580"
    assert abs(Decimal(row["refund"]) - expected) < Decimal("0.000001")


def test_the_claim_refund_rounds_each_class_once(tmp_path):
    out = tmp_path / "d.csv"
    stdout, _ = designate(out)
    summary = json.loads(stdout.strip().splitlines()[-1])
    row_sum = sum(Decimal(r["refund"]) for r in read_out(out))
    # Classes 364 and the fees: rounding each class once moves the total by less than a cent per class.
    assert abs(Decimal(summary["refund"]) - row_sum) < Decimal("0.02")


@pytest.mark.parametrize("method", ["fifo", "lifo", "lohi"])
def test_accounting_orders_never_beat_the_optimum(tmp_path, method):
    best = json.loads(designate(tmp_path / "o.csv")[0].strip().splitlines()[-1])
    other = json.loads(designate(tmp_path / f"{method}.csv", method=method)[0].strip().splitlines()[-1])
    assert Decimal(other["refund"]) <= Decimal(best["refund"])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


IMPORT_HEADER = "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty,ch99\n"
GOOD_LINE = "B76-7963816-6,4,2023-11-29,6109100012,4465,DOZ,283476.57,46773.63,\n"


@pytest.mark.parametrize(
    "text, column, rule",
    [
        (IMPORT_HEADER + "B76-7963816-6,4,2023-11-29,6109100012,-5,DOZ,1,1,\n", "quantity", "greater than 0"),
        (
            IMPORT_HEADER + "B76-7963816-6,4,2023-02-30,6109100012,5,DOZ,1,1,\n",
            "import_date",
            "not a calendar date",
        ),
        (IMPORT_HEADER + "B76-7963816-7,4,2023-11-29,6109100012,5,DOZ,1,1,\n", "entry_number", "check digit"),
        (IMPORT_HEADER + "B76-7963816-6,4,2023-11-29,610910001,5,DOZ,1,1,\n", "hts", "10-digit"),
        (IMPORT_HEADER + "B76-7963816-6,4,2023-11-29,6109100012,5,DOZ,$1,1,\n", "entered_value", "decimal"),
        (
            IMPORT_HEADER + "B76-7963816-6,4,2023-11-29,6109100012,5,DOZ,1,1,9903.88.03\n",
            "ch99",
            "number=amount",
        ),
        (IMPORT_HEADER + GOOD_LINE + GOOD_LINE, "line_number", "given twice"),
        (IMPORT_HEADER + "B76-7963816-6,4,2023-11-29,9999990000,5,DOZ,1,1,\n", "hts", "no 8-digit row"),
        (
            "entry_number,line_number,import_date,hts,quantity,uom,duty\n" + GOOD_LINE,
            "entered_value",
            "missing",
        ),
    ],
)
def test_bad_imports_exit_non_zero_write_nothing_and_name_file_row_column_rule(
    tmp_path, capsys, text, column, rule
):
    imports = write(tmp_path / "imports.csv", text)
    exports = write(tmp_path / "exports.csv", "export_ref,export_date,hts,quantity,uom,value,destination\n")
    out = tmp_path / "designations.csv"
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "designate",
            imports=str(imports),
            exports=str(exports),
            tariff=str(SAMPLE["tariff"]),
            filing_date="2026-11-26",
            out=str(out),
            stderr=stderr,
        )
    assert not out.exists()
    messages = stderr.getvalue()
    assert str(imports) in messages and f"column '{column}'" in messages and rule in messages
    assert "row 1" in messages or "row 2" in messages or "row 3" in messages


EXPORT_HEADER = (
    "export_ref,export_date,hts,quantity,uom,value,destination,entry_number,line_number,disposition\n"
)


@pytest.mark.parametrize(
    "text, column, rule",
    [
        (
            EXPORT_HEADER
            + "A,2024-01-01,6109100012,5,DOZ,10,GB,,,\nA,2024-01-02,6109100012,5,DOZ,10,GB,,,\n",
            "export_ref",
            "unique",
        ),
        (
            EXPORT_HEADER + "A,2024-01-01,6109100012,5,DOZ,10,GB,B76-7963816-6,9,\n",
            "entry_number",
            "not a line of the imports file",
        ),
        (
            EXPORT_HEADER + "A,2024-01-01,6109100012,5,DOZ,10,GB,B76-7963816-6,,\n",
            "line_number",
            "both or neither",
        ),
        (EXPORT_HEADER + "A,2024-01-01,6109100012,5,DOZ,10,,,,\n", "destination", "required"),
        (
            EXPORT_HEADER + "A,2024-01-01,6109100012,5,DOZ,10,GB,,,scrap\n",
            "disposition",
            "'export' or 'destroy'",
        ),
        (EXPORT_HEADER + "A,01/02/2024,6109100012,5,DOZ,10,GB,,,\n", "export_date", "YYYY-MM-DD"),
    ],
)
def test_bad_exports_are_reported_with_row_and_column(tmp_path, text, column, rule):
    exports = write(tmp_path / "exports.csv", text)
    out = tmp_path / "designations.csv"
    out.write_text("kept", encoding="utf-8")
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "designate",
            imports=str(SAMPLE["imports"]),
            exports=str(exports),
            tariff=str(SAMPLE["tariff"]),
            filing_date="2026-11-26",
            out=str(out),
            stderr=stderr,
        )
    assert out.read_text(encoding="utf-8") == "kept"  # an earlier output is left alone
    messages = stderr.getvalue()
    assert f"column '{column}'" in messages and rule in messages and "row 2" in messages


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    imports = write(
        tmp_path / "imports.csv",
        IMPORT_HEADER + "B76-7963816-6,4,2023-11-29,6109100012,0,DOZ,1,1,\n"
        "B76-7963816-6,5,2023-13-01,6109100012,5,DOZ,1,-1,\n",
    )
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "designate",
            imports=str(imports),
            exports=str(SAMPLE["exports"]),
            tariff=str(SAMPLE["tariff"]),
            filing_date="2026-11-26",
            out=str(tmp_path / "o.csv"),
            stderr=stderr,
        )
    messages = stderr.getvalue()
    assert "row 2, column 'quantity'" in messages
    assert "row 3, column 'import_date'" in messages and "row 3, column 'duty'" in messages


def test_bom_blank_lines_any_column_order_and_unknown_columns_are_accepted(tmp_path):
    rows = list(csv.reader(open(SAMPLE["imports"], encoding="utf-8")))
    order = list(reversed(range(len(rows[0]))))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([rows[0][i].upper() for i in order] + ["Notes"])
    for r in rows[1:]:
        writer.writerow([r[i] for i in order] + ["x"])
        text.write("\n")
    imports = tmp_path / "imports.csv"
    imports.write_bytes(b"\xef\xbb\xbf" + text.getvalue().encode())
    stdout, _ = designate(tmp_path / "d.csv", imports=imports)
    assert json.loads(stdout.strip().splitlines()[-1])["refund"] == "82824.67"


def test_bad_filing_date(tmp_path):
    out = tmp_path / "d.csv"
    with pytest.raises(CommandError):
        designate(out, filing="26/11/2026")
    assert not out.exists()


def test_runs_without_any_database(tmp_path):
    out = tmp_path / "d.csv"
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "designate",
            "--imports",
            str(SAMPLE["imports"]),
            "--exports",
            str(SAMPLE["exports"]),
            "--tariff",
            str(SAMPLE["tariff"]),
            "--filing-date",
            "2026-11-26",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["rows"] == 11 and summary["refund"] == "82824.67"
    assert proc.stdout.strip().splitlines() == [
        proc.stdout.strip().splitlines()[-1]
    ]  # nothing else on stdout


def test_bad_input_exit_code_in_a_real_process(tmp_path):
    imports = write(
        tmp_path / "imports.csv", IMPORT_HEADER + "B76-7963816-6,4,2023-11-29,6109100012,x,DOZ,1,1,\n"
    )
    out = tmp_path / "d.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "designate",
            "--imports",
            str(imports),
            "--exports",
            str(SAMPLE["exports"]),
            "--tariff",
            str(SAMPLE["tariff"]),
            "--filing-date",
            "2026-11-26",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert not out.exists()
    assert f"{imports}, row 2, column 'quantity'" in proc.stderr


def test_an_optimum_not_proven_to_the_cent_is_said_on_stderr(tmp_path, monkeypatch):
    from claims.management.commands import designate as command

    real = command.solve

    def unproven(**kwargs):
        result = real(**kwargs)
        result.bound_gap = 0.5
        return result

    monkeypatch.setattr(command, "solve", unproven)
    stdout, stderr = designate(tmp_path / "designations.csv")
    assert "warning: the optimum is proven only to within $0.50" in stderr
    assert json.loads(stdout.strip().splitlines()[-1])["rows"] == 11
