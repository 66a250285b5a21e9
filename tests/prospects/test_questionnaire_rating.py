"""The questionnaire's arithmetic and its rating: pure functions, exact Decimals."""

from decimal import Decimal

import pytest

from drawback.prospects import questionnaire as q

D = Decimal


def answers(**changes) -> q.Answers:
    base = {
        "duties": "100k_500k",
        "exports": "regularly",
        "share_leaving": "10_25",
        "destroyed_returned": "no",
        "manufacturing": "no",
        "ch99_share": "none",
        "ch99_programs": (),
        "destinations": "elsewhere",
        "records": "5_plus",
        "current_claims": "none",
        "industry": "apparel",
    }
    return q.Answers(**{**base, **changes})


def test_plain_exporter_multiplies_duty_by_share_and_99_percent():
    result = q.questionnaire_result(answers())
    assert (result.annual_low, result.annual_high) == (D("9900.00"), D("123750.00"))
    # Five years of records: four full years at the low end (the oldest runs out day by day), five at the top.
    assert (result.lookback_low, result.lookback_high) == (D("39600.00"), D("618750.00"))
    assert result.rating == "high"
    assert [s.factor for s in result.steps] == [
        "$100,000 to $500,000",
        "10% to 25%",
        "100%",
        "100%",
        "100%",
        "99%",
    ]
    assert (result.steps[1].low, result.steps[1].high) == (D("10000.00"), D("125000.00"))
    assert result.lookback_step.factor == "4 to 5 years"
    assert "19 U.S.C. 1313(r)(1)" in result.lookback_step.why


def test_every_factor_narrows_the_range_and_the_rating_follows():
    result = q.questionnaire_result(
        answers(
            duties="under_100k",
            share_leaving="under_10",
            ch99_share="half",
            ch99_programs=("s301", "s232"),
            destinations="mixed",
            current_claims="some",
            records="1_2",
        )
    )
    # $10,000-$100,000 x 1%-10% = $100-$10,000; of the additional duties (a quarter to a half) only the
    # Section 301 part can be refunded, unknown how much: 50%-100%; USMCA 50%-100%; not yet claimed 50%-90%.
    assert [(s.low, s.high) for s in result.steps[:5]] == [
        (D(10_000), D(100_000)),
        (D("100.00"), D("10000.00")),
        (D("50.0000"), D("10000.00")),
        (D("25.000000"), D("10000.00")),
        (D("12.50000000"), D("9000.0000")),
    ]
    assert (result.annual_low, result.annual_high) == (D("12.38"), D("8910.00"))
    assert (result.lookback_low, result.lookback_high) == (D("12.38"), D("17820.00"))
    assert result.rating == "low"  # the middle, $4,461.19 a year, is under $5,000
    notes = " ".join(result.caveats)
    assert "Section 232 duties cannot be drawn back" in notes
    assert "1313(j)(4)" in notes  # Canada and Mexico
    assert "we counted only what you do not claim yet" in notes


def test_nothing_leaving_the_us_is_nothing_to_claim():
    result = q.questionnaire_result(answers(exports="no", destroyed_returned="no", share_leaving="25_50"))
    assert (result.annual_low, result.annual_high, result.lookback_high) == (0, 0, 0)
    assert result.rating == "low"
    assert result.ways == []
    assert "nothing leaves the US" in result.steps[1].why


def test_destruction_alone_counts_as_leaving():
    result = q.questionnaire_result(
        answers(exports="no", destroyed_returned="destroyed", share_leaving="25_50", manufacturing="yes")
    )
    assert result.annual_high == D("247500.00")
    assert any(way.startswith("Destruction under CBP supervision") for way in result.ways)
    assert any("manufacturing ruling" in c for c in result.caveats)
    assert not any("Unused merchandise" in way for way in result.ways)  # they do not export


@pytest.mark.parametrize(
    "low,high,leave,rating",
    [
        (D(0), D("100000.00"), True, "high"),  # middle exactly $50,000
        (D(0), D("99999.98"), True, "medium"),
        (D(0), D("10000.00"), True, "medium"),  # middle exactly $5,000
        (D(0), D("9999.98"), True, "low"),
        (D(900_000), D(1_000_000), False, "low"),  # nothing leaves: whatever the figures
        (D(0), D(0), True, "low"),
    ],
)
def test_rating_rules(low, high, leave, rating):
    assert q.potential_rating(annual_low=low, annual_high=high, goods_leave=leave) == rating


@pytest.mark.parametrize(
    "share,programs,expected",
    [
        ("none", ("s232",), (D(1), D(1))),  # no additional duties: all duty is ordinary duty
        ("half", ("s301", "s201"), (D(1), D(1))),
        ("half", ("s232", "ieepa_fentanyl"), (D("0.50"), D("0.75"))),
        ("half", ("ieepa_reciprocal",), (D("0.50"), D(1))),  # refunded through CAPE: high end only
        ("most", (), (D("0.25"), D(1))),  # not sure which: high end only
        ("some", ("adcvd",), (D("0.75"), D("0.95"))),
    ],
)
def test_eligible_share_of_duties(share, programs, expected):
    assert q.eligible_share(q.CH99_SHARE[share], programs) == expected


def test_result_round_trips_as_json():
    result = q.questionnaire_result(answers(ch99_share="some", ch99_programs=("ieepa_reciprocal",)))
    data = result.as_json()
    assert data["rating"] == result.rating and data["annual_high"] == str(result.annual_high)
    assert any("CAPE" in c for c in data["caveats"])
    assert q.Answers.from_dict(answers().as_dict()) == answers()
