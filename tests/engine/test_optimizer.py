"""Properties of the designation optimizer on random small instances (Hypothesis):
- it equals a brute-force LP optimum over every eligible pair, re-evaluated in exact fractions, to the cent;
- it never breaks a rule (each pair eligible on its own, no line or export over-used, one method per line);
- it is never worse than FIFO, LIFO or low-to-high, which break no rule either.
Column generation runs as configured and in a slow mode that needs many rounds."""

import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.engine import optimizer, transport
from claims.engine.model import Election, Method
from drawback.lib import entry_numbers
from drawback.lib.dates import ExportWindow
from drawback.lib.money import to_cents

from . import reference
from .builders import CH99, HTS, TARIFF, export, line
from .builders import settings as make_settings

FILING = dt.date(2026, 6, 30)
POOL = ["6109100012", "6109100040", "7102390010", "7102390050", "3926909990", "2009892000", "7318152095"]


def money(low, high, places: int = 2):
    return st.decimals(min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False)


def qty(max_value: int):
    return st.one_of(
        st.integers(min_value=1, max_value=max_value).map(Decimal),
        st.decimals(min_value=Decimal("0.5"), max_value=max_value, places=1),
    )


def a_date(first: dt.date, last: dt.date):
    return st.integers(min_value=0, max_value=(last - first).days).map(
        lambda n: (first + dt.timedelta(days=n)).isoformat()
    )


@st.composite
def instances(draw):
    """A client's lines and exports in one or two classifications, dense enough that lines compete."""
    pool = draw(st.lists(st.sampled_from(POOL[:2] * 3 + POOL[2:]), min_size=1, max_size=2, unique=True))
    uoms = ["DOZ"] * 5 + ["KG"]
    n_lines = draw(st.integers(min_value=1, max_value=8))
    lines = []
    for k in range(n_lines):
        quantity = draw(qty(400))
        available = draw(
            st.one_of(st.none(), st.none(), st.decimals(min_value=0, max_value=quantity, places=0))
        )
        ch99 = draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries({"9903.88.03": money(0, 3000)}),
                st.fixed_dictionaries({"9903.01.20": money(0, 3000)}),
            )
        )
        lines.append(
            line(
                entry_numbers.make("B76", 1000 + k // 2),
                k % 2 + 1,
                date=draw(a_date(dt.date(2020, 12, 1), dt.date(2026, 6, 1))),
                hts=draw(st.sampled_from(pool)),
                uom=draw(st.sampled_from(uoms)),
                qty=quantity,
                value=draw(st.one_of(money(100, 20000), money(0, 100))),
                duty=draw(st.one_of(money(1, 3000), money(0, 5))),
                ch99=ch99,
                mpf=draw(st.one_of(st.just(Decimal(0)), money(0, 300))),
                hmf=draw(st.one_of(st.just(Decimal(0)), money(0, 50))),
                available=available,
                election=draw(st.sampled_from([None] * 6 + [Election.DIRECT, Election.SUBSTITUTION])),
            )
        )
    n_exports = draw(st.integers(min_value=1, max_value=8))
    exports = []
    for k in range(n_exports):
        destroy = draw(st.integers(0, 7)) == 0
        named = draw(st.sampled_from(lines)) if draw(st.integers(0, 5)) == 0 else None
        exports.append(
            export(
                f"E{k:02d}",
                date=draw(a_date(dt.date(2021, 3, 1), FILING)),
                hts=named.hts if named is not None and draw(st.booleans()) else draw(st.sampled_from(pool)),
                uom=named.uom if named is not None else draw(st.sampled_from(uoms)),
                qty=draw(qty(300)),
                value=draw(st.one_of(money(100, 20000), money(0, 100))),
                dest=draw(st.sampled_from(["GB", "JP", "DE"] * 3 + ["CA", "MX", "CL"])),
                destroy=destroy,
                recovered=draw(money(0, 500)) if destroy else Decimal(0),
                direct=(named.entry_number, named.line_number) if named is not None else None,
                excepted=draw(st.booleans()),
            )
        )
    window = draw(st.sampled_from([ExportWindow.STRICT, ExportWindow.INCLUSIVE]))
    return lines, exports, make_settings(FILING.isoformat(), export_window=window)


@pytest.fixture(params=["default", "one_column_at_a_time", "unbounded_integers", "branching_only"])
def solver_path(request, monkeypatch):
    """The default column generation; one that starts from a single column per export, adds one per
    round and prices in blocks of a few pairs, parts of the group in turn (the next part priced on another
    thread while the master is solved): many rounds, every block boundary exercised; the exact
    max-profit flow in Python integers that groups beyond 64-bit units take (exactflow); and the choice of
    method for contested lines by branching alone."""
    if request.param == "unbounded_integers":
        monkeypatch.setattr(optimizer, "EXACT_FLOW_UNITS", 0)
    if request.param == "branching_only":
        # The method of every contested line found by branch and bound alone, without the dual bounds.
        monkeypatch.setattr(optimizer, "SETTLE_BY_DUALS", False)
    if request.param == "one_column_at_a_time":
        monkeypatch.setattr(transport, "BLOCK_ELEMENTS", 7)
        monkeypatch.setattr(transport, "INITIAL_COLUMNS", 1)
        monkeypatch.setattr(transport, "INITIAL_PER_LINE", 0)
        monkeypatch.setattr(transport, "COLUMNS_PER_ROUND", 1)
        monkeypatch.setattr(transport, "COLUMNS_PER_ROUND_LARGE", 1)
        monkeypatch.setattr(transport, "PARTIAL_PAIRS", 10)
    return request.param


def solve(lines, exports, conf, method=Method.OPTIMAL):
    return optimizer.solve(
        lines=lines, exports=exports, tariff=TARIFF, chapter99=CH99, settings=conf, method=method
    )


def exact_total(result) -> Decimal:
    return sum(result.class_totals.values(), Decimal(0))


def assert_follows_the_rules(lines, exports, conf, result):
    """Check every designation against the rules independently of the optimizer."""
    by_key = {x.key: i for i, x in enumerate(lines)}
    by_ref = {x.ref: j for j, x in enumerate(exports)}
    allowed = {
        (p.line, p.export): p
        for p in reference.eligible_pairs(lines, exports, tariff=TARIFF, chapter99=CH99, settings=conf)
    }
    used_line = defaultdict(Decimal)
    used_export = defaultdict(Decimal)
    methods = defaultdict(set)
    exact = defaultdict(Fraction)
    for des in result.designations:
        i, j = by_key[des.line], by_ref[des.export_ref]
        assert des.quantity > 0
        assert (i, j) in allowed, f"{des} is not an eligible pair"
        assert des.provision.value == allowed[(i, j)].provision
        expected = reference.pair_classes(
            lines[i],
            exports[j],
            des.quantity,
            tariff=TARIFF,
            chapter99=CH99,
            lesser_of=des.provision.value == "59",
        )
        assert set(des.amounts) == set(expected)
        for klass, value in des.amounts.items():
            assert abs(Fraction(value) - expected[klass]) < Fraction(1, 10**30)
            exact[klass] += expected[klass]
        used_line[i] += des.quantity
        used_export[j] += des.quantity
        methods[i].add(des.provision.value)
    for i, total in used_line.items():
        assert total <= lines[i].remaining, "1313(v): line designated beyond what is left of it"
        assert len(methods[i]) == 1, "190.51(a)(3): line used by two methods"
        wanted = {"58": Election.DIRECT, "59": Election.SUBSTITUTION}[next(iter(methods[i]))]
        assert lines[i].election in (None, wanted)
    for j, total in used_export.items():
        assert total <= exports[j].remaining
    # Each class rounded once, half-up, from its exact total.
    rounded = {k: Decimal(math.floor(v * 100 + Fraction(1, 2))) / 100 for k, v in exact.items()}
    assert result.rounded == rounded
    assert result.refund == sum(rounded.values(), Decimal(0))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances())
def test_optimum_equals_brute_force_lp_and_follows_the_rules(solver_path, instance):
    lines, exports, conf = instance
    result = solve(lines, exports, conf)
    assert_follows_the_rules(lines, exports, conf, result)
    ref_totals, _ = reference.optimum(lines, exports, tariff=TARIFF, chapter99=CH99, settings=conf)
    ref_total = sum(ref_totals.values(), Fraction(0))
    assert abs(Fraction(exact_total(result)) - ref_total) < Fraction(1, 10**6)
    if all(
        abs(Fraction(result.class_totals.get(k, 0)) - v) < Fraction(1, 10**9) for k, v in ref_totals.items()
    ):
        ref_rounded = sum(
            (to_cents(Decimal(v.numerator) / Decimal(v.denominator)) for v in ref_totals.values()), Decimal(0)
        )
        assert result.refund == ref_rounded
    assert result.bound_gap < 1e-6


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances())
def test_optimum_is_never_worse_than_the_accounting_orders(solver_path, instance):
    lines, exports, conf = instance
    best = exact_total(solve(lines, exports, conf))
    for method in (Method.FIFO, Method.LIFO, Method.LOHI):
        other = solve(lines, exports, conf, method)
        assert_follows_the_rules(lines, exports, conf, other)
        assert exact_total(other) <= best + Decimal("1e-9")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances())
def test_accounting_orders_in_unbounded_integers_designate_as_the_network_path(monkeypatch, instance):
    lines, exports, conf = instance
    for method in (Method.FIFO, Method.LIFO):
        monkeypatch.setattr(optimizer, "EXACT_FLOW_UNITS", 2**62)
        network = solve(lines, exports, conf, method)
        monkeypatch.setattr(optimizer, "EXACT_FLOW_UNITS", 0)
        exact = solve(lines, exports, conf, method)
        assert [(d.line, d.export_ref, d.quantity) for d in exact.designations] == [
            (d.line, d.export_ref, d.quantity) for d in network.designations
        ]


def test_quantities_beyond_64_bit_units_are_designated_exactly():
    # 12 decimals on 12 million dozen: 1.2e19 scaled units, beyond a 64-bit integer.
    conf = make_settings("2024-09-01")
    common = dict(hts=HTS["ad_valorem"], qty="12345678.123456789012", value="500000000")
    imported = [line(number=1, duty="1000000.00", **common), line(number=2, duty="999999.00", **common)]
    exported = [export("SUB", qty="20000000.000000000001", value="800000000")]
    result = solve(imported, exported, conf)
    assert_follows_the_rules(imported, exported, conf, result)
    by_line = {d.line.line_number: d.quantity for d in result.designations}
    # All of the line that paid more, the rest from the other; nothing lost to rounding.
    assert by_line[1] == Decimal("12345678.123456789012")
    assert sum(by_line.values()) == Decimal("20000000.000000000001")


@pytest.mark.parametrize("settle_by_duals", [True, False])
def test_the_line_worth_most_to_direct_identification_may_still_serve_substitution(
    settle_by_duals, monkeypatch
):
    # A paid 3.00 a unit, B and C 1.00; their direct-identification exports ask 30, 50 and 50 units, and a
    # substitution export asks 200. Best: A and one of B/C in substitution (297 + 99), the other direct
    # (49.50).
    monkeypatch.setattr(optimizer, "SETTLE_BY_DUALS", settle_by_duals)
    conf = make_settings("2024-09-01")
    imported = [
        line(number=1, qty="100", value="1000", duty="300"),
        line(number=2, qty="100", value="1000", duty="100"),
        line(number=3, qty="100", value="1000", duty="100"),
    ]
    exported = [
        export("DA", qty="30", value="100000", direct=(imported[0].entry_number, 1)),
        export("DB", qty="50", value="100000", direct=(imported[1].entry_number, 2)),
        export("DC", qty="50", value="100000", direct=(imported[2].entry_number, 3)),
        export("SUB", qty="200", value="100000"),
    ]
    result = solve(imported, exported, conf)
    assert_follows_the_rules(imported, exported, conf, result)
    assert result.refund == Decimal("445.50")
    methods = {d.line.line_number: d.provision.value for d in result.designations}
    assert methods[1] == "59"
    assert sorted(methods[k] for k in (2, 3)) == ["58", "59"]
    assert result.bound_gap < 1e-6


@pytest.mark.parametrize("seed", [1, 6])
def test_eight_lines_named_for_direct_identification_in_one_group_reach_the_brute_force_optimum(seed):
    # Every line of the group is named by an export and could serve substitution: 2^8 choices of method,
    # which the reference tries one by one; the optimizer must find the best and prove it (no gap).
    rng = random.Random(seed)
    imported, exported = [], []
    for i in range(8):
        entry = entry_numbers.make("B76", 2000 + i)
        imported.append(
            line(
                entry,
                date=f"2024-0{rng.randint(1, 5)}-01",
                qty=str(rng.randint(10, 100)),
                value=str(rng.randint(500, 5000)),
                duty=str(rng.randint(10, 900)),
            )
        )
        exported.append(
            export(f"D{i}", qty=str(rng.randint(1, 60)), value=str(rng.randint(100, 9000)), direct=(entry, 1))
        )
    for j in range(5):
        exported.append(
            export(
                f"S{j}",
                date=f"2024-0{rng.randint(3, 9)}-01",
                qty=str(rng.randint(10, 200)),
                value=str(rng.randint(100, 9000)),
            )
        )
    conf = make_settings()
    result = solve(imported, exported, conf)
    assert_follows_the_rules(imported, exported, conf, result)
    ref_totals, _ = reference.optimum(imported, exported, tariff=TARIFF, chapter99=CH99, settings=conf)
    assert abs(Fraction(exact_total(result)) - sum(ref_totals.values(), Fraction(0))) < Fraction(1, 10**6)
    assert result.bound_gap < 1e-6
