"""How direct identification, substitution groups, ties and the accounting orders behave, on small data."""

from decimal import Decimal

from claims.engine.explain import designation_steps, exclusion_lines
from claims.engine.model import Method, MpfMode
from claims.engine.optimizer import build_groups, solve, solve_group
from claims.engine.problem import prepare

from .builders import CH99, HTS, TARIFF, export, line, settings

E1, E2, E3 = "B7603245278", "B7603245286", "B7603245294"


def run(lines, exports, method=Method.OPTIMAL, **kw):
    return solve(
        lines=lines, exports=exports, tariff=TARIFF, chapter99=CH99, settings=settings(**kw), method=method
    )


def designated(result):
    return [(d.export_ref, d.line.entry_number, d.provision.value, d.quantity) for d in result.designations]


def test_a_line_named_for_direct_identification_takes_the_method_that_refunds_more():
    lines = [line(E1, duty="1000"), line(E2, date="2024-03-01", duty="10")]
    named = export("DI", qty="100", value="100000", direct=(E1, 1))
    # Substitution of 300 from E1 (297.00) beats direct identification of 100 (99.00) plus 300 from E2 (2.97):
    # E1 serves substitution and the export naming it is not claimed (one method per line, 190.51(a)(3)).
    result = run(lines, [named, export("SUB", qty="300", value="100000")])
    assert designated(result) == [("SUB", E1, "59", 300)]
    (why,) = [x for x in result.exclusions if x.ref == "DI"]
    assert "one method only" in why.reason
    # With only 50 to substitute, direct identification (99.00 + 0.495 from E2) beats 49.50: E1 keeps it,
    # and its remaining 900 stay with that method.
    result = run(lines, [named, export("SUB", qty="50", value="100000")])
    assert designated(result) == [("DI", E1, "58", 100), ("SUB", E2, "59", 50)]
    assert any(x.subject == "line" and "stay with that method" in x.reason for x in result.exclusions)
    # The accounting orders keep a named line with direct identification.
    result = run(lines, [named, export("SUB", qty="300", value="100000")], method=Method.FIFO)
    assert designated(result) == [("DI", E1, "58", 100), ("SUB", E2, "59", 300)]


def test_ineligible_direct_identification_is_excluded_and_does_not_fall_back_to_substitution():
    lines = [line(E1, duty="1000", uom="DOZ")]
    wrong_unit = export("DI", qty="10", uom="KG", direct=(E1, 1))
    result = run(lines, [wrong_unit])
    assert result.designations == []
    (why,) = [x for x in result.exclusions if x.ref == "DI"]
    assert "unit of measure KG differs" in why.reason
    # The line is not locked by an ineligible export: substitution can still use it.
    result = run(lines, [wrong_unit, export("SUB", qty="5")])
    assert designated(result) == [("SUB", E1, "59", 5)]


def test_direct_identification_beyond_the_line_designates_what_is_left():
    lines = [line(E1, qty="100", available="60", duty="1000")]
    exports = [
        export("A", date="2024-05-01", qty="50", direct=(E1, 1)),
        export("B", date="2024-04-01", qty="50", direct=(E1, 1)),
    ]
    result = run(lines, exports)
    # Same refund per unit: the earlier export goes first; 40 of A are left out.
    assert designated(result) == [("A", E1, "58", 10), ("B", E1, "58", 50)]
    (short,) = [x for x in result.exclusions if x.ref == "A"]
    assert short.quantity == Decimal(40)


def test_destruction_with_recovered_value_gets_the_line_last_among_direct_exports():
    lines = [line(E1, qty="100", value="10000", duty="1000", uom="NO", hts=HTS["three_percent"])]
    exports = [
        export(
            "DESTROY",
            date="2024-03-01",
            qty="60",
            uom="NO",
            hts=HTS["three_percent"],
            destroy=True,
            recovered="3000",
            direct=(E1, 1),
        ),
        export("SHIP", date="2024-05-01", qty="60", uom="NO", hts=HTS["three_percent"], direct=(E1, 1)),
    ]
    result = run(lines, exports)
    assert designated(result) == [("DESTROY", E1, "58", 40), ("SHIP", E1, "58", 60)]
    # 40 destroyed units: 99% x 400.00 of duty x (100 - 50 recovered per unit) / 100.
    destroyed = result.designations[0]
    assert destroyed.refund == Decimal("198.00")


def test_optimum_beats_fifo_when_the_lesser_of_bites():
    # The old line has a high entered value per unit; the cheap export loses most of it to the lesser-of.
    lines = [
        line(E1, date="2023-01-10", qty="100", value="10000", duty="1650"),  # 100/unit, 16.50 duty
        line(E2, date="2024-01-10", qty="100", value="2000", duty="320"),  # 20/unit, 3.20 duty
    ]
    exports = [
        export("CHEAP", date="2024-06-01", qty="100", value="2000"),  # 20/unit
        export("DEAR", date="2024-07-01", qty="100", value="20000"),  # 200/unit
    ]
    optimal = run(lines, exports)
    fifo = run(lines, exports, Method.FIFO)
    assert designated(optimal) == [("CHEAP", E2, "59", 100), ("DEAR", E1, "59", 100)]
    assert designated(fifo) == [("CHEAP", E1, "59", 100), ("DEAR", E2, "59", 100)]
    # Optimal: 99% x (320 + 1650) = 1950.30; FIFO: 99% x (1650 x 20/100 + 320) = 643.50.
    assert (optimal.refund, fifo.refund) == (Decimal("1950.30"), Decimal("643.50"))
    lifo = run(lines, exports, Method.LIFO)
    assert designated(lifo) == designated(optimal)
    # Low-to-high: CHEAP takes E2 (3.168 a unit) before E1 (3.267), DEAR is left E1.
    lohi = run(lines, exports, Method.LOHI)
    assert designated(lohi) == designated(optimal)


def test_equal_optima_use_the_line_that_expires_first():
    same = {"qty": "100", "value": "1000", "duty": "165"}
    lines = [
        line(E2, date="2024-03-01", **same),
        line(E1, date="2022-03-01", **same),
        line(E3, date="2023-03-01", **same),
    ]
    result = run(lines, [export("X", date="2024-06-01", qty="150", value="5000")])
    assert designated(result) == [("X", E1, "59", 100), ("X", E3, "59", 50)]


def test_ch99_and_fees_make_the_classes_of_the_claim():
    lines = [
        line(
            E1,
            qty="10",
            value="1000",
            duty="30",
            ch99={"9903.88.03": "250", "9903.01.20": "100"},
            mpf="3.4641",
            hmf="1.25",
            date="2025-03-10",
        )
    ]
    result = run(lines, [export(date="2025-06-01", qty="10", value="1000", direct=(E1, 1))])
    # 364 = 99% x (30 + 250): the fentanyl IEEPA duty is not eligible; MPF/HMF are on unused merchandise.
    assert result.rounded == {"364": Decimal("277.20"), "398": Decimal("1.24"), "399": Decimal("3.43")}
    assert result.refund == Decimal("281.87")


def test_each_class_is_rounded_once_for_the_claim_not_per_designation():
    lines = [line(E1, qty="3", value="300", duty="10", uom="NO", hts=HTS["three_percent"])]
    exports = [export(f"X{n}", qty="1", value="100", uom="NO", hts=HTS["three_percent"]) for n in range(3)]
    result = run(lines, exports)
    assert [d.refund for d in result.designations] == [Decimal("3.3")] * 3
    assert result.refund == Decimal("9.90")


def test_cfr_example_mode_rounds_per_unit_mpf_to_four_decimals():
    lines = [line(E1, qty="5000", value="50000", duty="0", mpf="71.3435", uom="NO", hts=HTS["three_percent"])]
    exports = [export(qty="1000", value="10000", uom="NO", hts=HTS["three_percent"], direct=(E1, 1))]
    assert run(lines, exports).rounded["399"] == Decimal("14.13")
    assert run(lines, exports, mpf_mode=MpfMode.CFR_EXAMPLE).rounded["399"] == Decimal("14.10")


def test_groups_are_json_and_solve_independently():
    import json

    lines = [line(E1, duty="100"), line(E2, hts=HTS["compound"], uom="KG", duty="50", value="100")]
    exports = [export("A"), export("B", hts=HTS["compound"], uom="KG", qty="10", value="10")]
    problem = prepare(lines=lines, exports=exports, tariff=TARIFF, chapter99=CH99, settings=settings())
    groups = build_groups(problem)
    assert [g["key"] for g in groups] == ["61091000|DOZ", "73181520|KG"]
    results = [json.loads(json.dumps(solve_group(json.loads(json.dumps(g))))) for g in groups]
    assert [len(r["pairs"]) for r in results] == [1, 1]
    assert all(r["bound"] - r["value"] < 1e-9 for r in results)


def test_explanations_cite_the_rules_for_a_designation_and_an_exclusion():
    lines = [line(E1, qty="2000", value="20000", duty="3300")]
    exports = [export("X", qty="500", value="3000"), export("CA", qty="5", dest="CA")]
    result = run(lines, exports)
    problem = prepare(lines=lines, exports=exports, tariff=TARIFF, chapter99=CH99, settings=settings())
    steps = [str(s) for s in designation_steps(problem, result.designations[0])]
    assert any(
        "19 U.S.C. 1313(j)(2); 19 CFR 190.32(b)(1)" in s
        and "export value/unit 6.0000 < entered value/unit 10.0000 -> ad valorem classes x 0.6" in s
        for s in steps
    )
    assert any("same 8-digit subheading" in s for s in steps)
    assert any("190.51(e)(1)(iii)" in s for s in steps)
    assert any("99%" in s for s in steps)
    assert any("CA" in text and "1313(j)(4)" in text for text in exclusion_lines(result))


def test_a_class_total_exactly_on_a_half_cent_rounds_up_even_from_non_terminating_parts():
    # 99% x 1.00 x (1 + 3 + 3)/14 = 0.495 exactly; each part has an endless expansion, and their 50-digit
    # sum comes out at 0.4949...9: the exact recomputation must decide.
    lines = [line(E1, qty="14", value="14", duty="1.00", uom="NO", hts=HTS["three_percent"])]
    exports = [
        export(ref, qty=qty, uom="NO", hts=HTS["three_percent"], direct=(E1, 1))
        for ref, qty in (("A", "1"), ("B", "3"), ("C", "3"))
    ]
    result = run(lines, exports)
    assert [d.quantity for d in result.designations] == [1, 3, 3]
    assert result.class_totals["364"] < Decimal("0.495")  # the 50-digit sum
    assert result.rounded == {"364": Decimal("0.50")}


def test_solve_reports_the_uplift_over_each_accounting_order():
    lines = [
        line(E1, date="2023-01-10", qty="100", value="10000", duty="1650"),
        line(E2, date="2024-01-10", qty="100", value="2000", duty="320"),
    ]
    exports = [
        export("CHEAP", date="2024-06-01", qty="100", value="2000"),
        export("DEAR", date="2024-07-01", qty="100", value="20000"),
    ]
    result = solve(
        lines=lines,
        exports=exports,
        tariff=TARIFF,
        chapter99=CH99,
        settings=settings(),
        compare=["fifo", "lifo", "lohi"],
    )
    assert result.comparison == {
        "fifo": Decimal("643.50"),
        "lifo": Decimal("1950.30"),
        "lohi": Decimal("1950.30"),
    }
    assert result.uplift("fifo") == Decimal("1306.80")
    assert result.uplift("lifo") == 0


def test_internal_revenue_taxes_are_refunded_on_direct_identification_and_not_on_substitution():
    import dataclasses

    taxed = dataclasses.replace(line(E1, qty="100", duty="100", date="2024-02-01"), other_taxes=Decimal("50"))
    other = dataclasses.replace(line(E2, qty="100", duty="100"), other_taxes=Decimal("50"))
    exports = [export("DI", qty="10", direct=(E1, 1)), export("SUB", qty="20")]
    result = run([taxed, other], exports)
    by_export = {d.export_ref: d for d in result.designations}
    assert by_export["DI"].amounts["365"] == Decimal("4.95")  # 99% x 50 x 10/100
    assert "365" not in by_export["SUB"].amounts
    assert result.rounded["365"] == Decimal("4.95")
    steps = designation_steps(
        prepare(lines=[other], exports=[exports[1]], tariff=TARIFF, chapter99=CH99, settings=settings()),
        by_export["SUB"],
    )
    assert any("substituted goods" in s.text and "not claimed" in s.text for s in steps)
