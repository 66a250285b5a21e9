"""imports.csv read column by column (csvio._imports_by_column, the quick way for a file with no problem)
gives exactly the lines of reading it row by row; a file with a problem is reported row by row."""

import pytest

from claims.engine import csvio
from drawback.lib import entry_numbers

E1 = entry_numbers.make("B76", 324527)
E2 = entry_numbers.make("AB1", 1)
E1_SHOWN = f"{E1[:3]}-{E1[3:10]}-{E1[10:]}"

GOOD = (
    # Columns in another order, an unknown column, dashes and spaces kept as written, optional cells blank or
    # zero, Chapter 99 amounts, a country in lower case.
    "Description,hts,entry_number,line_number,import_date,quantity,uom,entered_value,duty,mpf,hmf,"
    "country_of_origin,ch99,notes\n"
    f"bolts,7318.15.2095,{E1_SHOWN},1,2024-03-01,100,kg,1000.50,25.00,0.00,,cn,9903.88.03=250.05,x\n"
    f"nuts,7318162000, {E1} ,2,2024-03-01,12.5,NO,99,0,3.4657,1.25,,,\n"
    "\n"
    f"washers,7318.22.0000,{E2},1,2023-12-31,.5,doz,0,0,,,MX,9903.88.03=1;9903.01.25=2.5,\n"
)


def _both(text: str):
    data = text.encode()
    quick = csvio.read_imports(data)
    real = csvio._imports_by_column
    try:
        csvio._imports_by_column = lambda table, name: None
        row_by_row = csvio.read_imports(data)
    finally:
        csvio._imports_by_column = real
    return quick, row_by_row


def test_column_by_column_gives_the_lines_of_row_by_row():
    quick, row_by_row = _both(GOOD)
    assert not quick.errors
    assert len(quick.lines) == 3
    assert quick.lines == row_by_row.lines
    # Equal is not enough for amounts: 0.00 and 0 are equal Decimals but print differently.
    assert [repr(x) for x in quick.lines] == [repr(x) for x in row_by_row.lines]
    assert quick.rows == row_by_row.rows
    assert quick.lines[0].entry_text == E1_SHOWN
    assert quick.lines[0].mpf.as_tuple().exponent == 0
    assert quick.lines[2].country_of_origin == "MX"


@pytest.mark.parametrize(
    "change, rule",
    [
        ((",100,kg,", ",0,kg,"), "must be greater than 0"),
        ((",1000.50,", ",$1000.50,"), "must be a decimal number"),
        (("2024-03-01,100", "2024-02-30,100"), "not a calendar date"),
        (("9903.88.03=250.05", "9903.88.03=abc"), "must be a decimal number of at least 0"),
        ((f"{E2},1,", f"{E1},1,"), "given twice"),
        ((",cn,", ",zz,"), "country code"),
    ],
)
def test_a_file_with_a_problem_is_reported_row_by_row(change, rule):
    quick, row_by_row = _both(GOOD.replace(*change, 1))
    assert quick.errors == row_by_row.errors
    assert any(rule in e.rule for e in quick.errors), quick.errors
    assert quick.lines == row_by_row.lines
