"""CBP's CAPE result and the liquidation report, loaded like every other file."""

import datetime as dt
from decimal import Decimal as D

import pytest

from claims.cape.models import CapeEntry
from claims.cape.services import declarations_create
from claims.cape.state import entry_states
from imports.models import ImportEntry
from tests.imports.helpers import load

from .cape_data import ieepa_entry

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def declared(client_a, analyst):
    entries = [ieepa_entry(client_a) for _ in range(3)]
    declarations_create(client=client_a, user=analyst, on=TODAY)
    return entries


def result_file(tmp_path, entries, name="cape_result.csv"):
    a, r, f = (e.entry_number for e in entries)
    return write(
        tmp_path,
        name,
        "Entry Number,Status,Reason,Refund Amount,Interest Amount,Date\n"
        f"{a},Accepted,,,,06/20/2026\n"
        f"{r},Rejected,ENTRY HAS OPEN PROTEST,,,\n"
        f'{f},Refunded,,"$1,000.00",12.34,2026-06-25\n',
    )


def test_result_applied_and_reloading_it_changes_nothing(client_a, declared, tmp_path):
    result = load("cape", result_file(tmp_path, declared), client_a)
    assert result.loaded, result.errors
    assert result.summary()["updated"] == 3
    rows = {r.entry_id: r for r in CapeEntry.objects.all()}
    a, r, f = (rows[e.pk] for e in declared)
    assert (a.status, a.accepted_on) == ("accepted", dt.date(2026, 6, 20))
    assert (r.status, r.cbp_reason) == ("rejected", "ENTRY HAS OPEN PROTEST")
    assert (f.status, f.refund_amount, f.interest_amount, f.refunded_on) == (
        "refunded",
        D("1000.00"),
        D("12.34"),
        dt.date(2026, 6, 25),
    )
    again = load("cape", result_file(tmp_path, declared, name="again.csv"), client_a)
    assert again.summary()["unchanged"] == 3 and again.summary()["updated"] == 0
    states = {s.entry_id: s for s in entry_states(client=client_a, on=TODAY)}
    assert states[declared[0].pk].decision.held is False  # accepted: drawback may use its other duties
    assert states[declared[2].pk].decision.path == "refunded"


def test_an_older_answer_does_not_undo_a_refund(client_a, declared, tmp_path):
    load("cape", result_file(tmp_path, declared), client_a)
    refunded = declared[2].entry_number
    result = load("cape", write(tmp_path, "old.csv", f"Entry Number,Status\n{refunded},Accepted\n"), client_a)
    assert result.summary()["unchanged"] == 1
    assert CapeEntry.objects.get(entry=declared[2]).status == "refunded"
    assert any("already refunded" in n for n in result.notes)


@pytest.mark.parametrize(
    ("row", "rule", "column"),
    [
        ("B7699999990,Accepted,,,,", "check_digit", "Entry Number"),
        ("{other},Accepted,,,,", "unknown_entry", "Entry Number"),
        ("{first},Maybe,,,,", "unknown_status", "Status"),
        ("{first},Rejected,,,,", "required", "Reason"),
        ("{first},Refunded,,,,2026-06-25", "required", "Refund Amount"),
        ("{first},Refunded,,abc,,2026-06-25", "number_format", "Refund Amount"),
        ("{first},Accepted,,,,{first}", "date_format", "Date"),
    ],
)
def test_bad_rows_store_nothing(client_a, client_b, declared, tmp_path, row, rule, column):
    other = ieepa_entry(client_b)  # another client's entry is unknown here
    text = row.format(first=declared[0].entry_number, other=other.entry_number)
    second = f"{declared[1].entry_number},Accepted,,,,"
    result = load(
        "cape",
        write(
            tmp_path,
            "bad.csv",
            f"Entry Number,Status,Reason,Refund Amount,Interest Amount,Date\n{second}\n{text}\n",
        ),
        client_a,
    )
    assert not result.loaded
    error = next(e for e in result.errors if e.rule == rule)
    assert (error.row, error.column) == (3, column)
    assert set(CapeEntry.objects.values_list("status", flat=True)) == {"declared"}


def test_duplicate_rows_are_refused(client_a, declared, tmp_path):
    n = declared[0].entry_number
    result = load(
        "cape", write(tmp_path, "dup.csv", f"Entry Number,Status\n{n},Accepted\n{n},Accepted\n"), client_a
    )
    assert not result.loaded
    assert result.errors[0].rule == "duplicate_row"


def test_liquidation_report_updates_the_entry_and_its_cape_facts(client_a, tmp_path):
    entry = ieepa_entry(client_a)
    path = write(
        tmp_path,
        "liq.csv",
        "Entry Number,Liquidation Status,Liquidation Date,Reliquidation Date,IEEPA Removed,Protest Status,"
        "AD/CVD,Surety Paid IEEPA\n"
        f"{entry.entry_number},Liquidated,03/02/2026,,N,Open,N,N\n",
    )
    result = load("liq_report", path, client_a)
    assert result.loaded, result.errors
    entry.refresh_from_db()
    assert (entry.liquidation_status, entry.liquidation_date) == ("Liquidated", dt.date(2026, 3, 2))
    (state,) = entry_states(client=client_a, on=TODAY)
    assert state.verdict.rule == "PROTEST"
    again = load("liq_report", path, client_a)
    assert again.summary()["unchanged"] == 1


def test_reliquidation_without_ieepa_needs_its_date(client_a, tmp_path):
    entry = ieepa_entry(client_a)
    head = "Entry Number,Liquidation Status,Liquidation Date,Reliquidation Date,IEEPA Removed\n"
    bad = load(
        "liq_report",
        write(tmp_path, "a.csv", head + f"{entry.entry_number},Reliquidated,03/02/2026,,Y\n"),
        client_a,
    )
    assert not bad.loaded and bad.errors[0].column == "Reliquidation Date"
    good = load(
        "liq_report",
        write(tmp_path, "b.csv", head + f"{entry.entry_number},Reliquidated,03/02/2026,05/04/2026,Y\n"),
        client_a,
    )
    assert good.loaded
    (state,) = entry_states(client=client_a, on=TODAY)
    assert state.decision.path == "refunded"
    assert ImportEntry.objects.get(pk=entry.pk).liquidation_status == "Reliquidated"
