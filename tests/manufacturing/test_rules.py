"""Manufacturing (1313(a), (b)) and rejected-merchandise (1313(c)) rules on the worked cases of cases.json and
on cases of our own, run through the type choice the way a client's records reach it."""

import json
from pathlib import Path

import pytest

from claims.engine import eligibility
from claims.engine import manufacturing as mfg
from claims.manufacturing import rules
from claims.manufacturing.rules import Bom, Component, CoProductItem, Lot, LotUse, Return, Ruling, WasteItem
from claims.manufacturing.types import Kind, choose_types
from drawback.lib.money import to_cents
from tests.engine.builders import CH99, TARIFF, d, day, export, line, settings

CASES = {c["id"]: c for c in json.loads((Path(__file__).parents[1] / "fixtures" / "cases.json").read_text())}
RULING = Ruling("H301234", day("2020-01-01"))
KEY = ("B7603245278", 1)


def lot(*uses, export_refs=("E1",), started="2024-03-01", finished="2024-04-30", article="ART") -> Lot:
    return Lot("L1", article, d(1000), day(started), day(finished), tuple(uses), tuple(export_refs))


def bom(*components, waste=(), coproducts=(), article_value=None, hts="8516604060", uom="NO") -> Bom:
    return Bom("ART", hts, uom, "H301234", tuple(components), tuple(waste), tuple(coproducts), article_value)


def run(lines, exports, boms=(), lots=(), rulings=(RULING,), returns=(), filing="2026-11-26"):
    return choose_types(
        lines=lines,
        exports=exports,
        tariff=TARIFF,
        chapter99=CH99,
        settings=settings(filing),
        boms={b.article_part: b for b in boms},
        lots=lots,
        rulings=rulings,
        returns=returns,
        alternatives=False,
    )


def cents(value) -> str:
    return f"{to_cents(value):.2f}"


RESIN = "3926909990"


def resin_line(**kw):
    base = {"hts": RESIN, "uom": "KG", "date": "2024-01-15", "qty": "10000", "value": "20000", "duty": "1300"}
    return line(**{**base, **kw})


def article_export(**kw):
    base = {
        "ref": "E1",
        "hts": "8516604060",
        "uom": "NO",
        "qty": "3000",
        "value": "300000",
        "date": "2024-06-01",
    }
    return export(**{**base, **kw})


# --- cases.json ---------------------------------------------------------------------------------------------


def test_dbk_015_substitution_manufacturing_with_a_bill_of_materials():
    c = CASES["DBK-015"]
    inp, exp = c["inputs"], c["expected"]
    component = Component(
        RESIN, d(inp["bom"]["kg_per_finished_unit"]), "KG", d(inp["substituted_merchandise_cost_per_kg"])
    )
    result = run([resin_line()], [article_export(qty=inp["exported_units"])], [bom(component)], [lot()])

    [des] = result.designations
    assert (des.provision, des.kind, des.quantity) == ("52", Kind.MANUFACTURING, d(exp["designated_kg"]))
    assert result.rounded == {"52": {"364": d(exp["refund"])}}
    assert result.choice("E1").chosen == Kind.MANUFACTURING


def test_dbk_016_used_in_less_valuable_waste():
    c = CASES["DBK-016"]
    inp, exp = c["inputs"], c["expected"]
    component = Component(RESIN, d(inp["used_kg"]), "KG", d(inp["market_value_of_merchandise_per_kg"]))
    waste = WasteItem(RESIN, d(inp["waste"]["kg"]), d(inp["waste"]["value"]) / d(inp["waste"]["kg"]))
    result = run(
        # Entered at more than the merchandise's value: substitution (b) would pay less than (a).
        [resin_line(qty="1000", duty="1000", value="6000")],
        [article_export(qty="1")],
        [bom(component, waste=(waste,))],
        [lot(LotUse(RESIN, d("1000"), line(hts=RESIN).key))],
    )

    [des] = result.designations
    # The 1,000 kg used are designated (taken from the line); drawback is allowed on the 990 kg net of waste.
    assert (des.provision, des.quantity, des.basis) == ("51", d(inp["used_kg"]), "02")
    assert des.allowable == d(exp["drawback_kg"])
    assert cents(des.refund) == exp["refund"]


def test_dbk_017_relative_value_of_co_products():
    c = CASES["DBK-017"]
    inp, exp = c["inputs"], c["expected"]
    a, b = inp["products_at_separation"]
    # One batch of product A (6,000 lb) is made from the 1,000 kg imported and yields 3,000 lb of B.
    result = run(
        [resin_line(qty="1000", duty=inp["import_duty_paid"], value="40000")],
        [article_export(qty="1")],
        [
            bom(
                Component(RESIN, d("1000"), "KG", d("40")),
                coproducts=(CoProductItem(b["name"], d(b["qty_lb"]), d(b["unit_market_value"])),),
                article_value=d(a["qty_lb"]) * d(a["unit_market_value"]),
            )
        ],
        [lot(LotUse(RESIN, d("1000"), line(hts=RESIN).key))],
    )

    [des] = result.designations
    assert des.basis == "03"
    assert cents(des.refund) == exp["refund"]
    share = rules.per_article(
        bom(
            Component(RESIN, d("1000"), "KG"),
            coproducts=(CoProductItem("B", d("3000"), d("2")),),
            article_value=d("18000"),
        ),
        Component(RESIN, d("1000"), "KG"),
    ).share
    assert share == d(exp["relative_value_A"])


@pytest.mark.parametrize("case_id", ["DBK-013", "DBK-014"])
def test_dbk_013_014_manufactured_articles_to_canada_or_mexico(case_id):
    c = CASES[case_id]
    foreign = next(v for k, v in c["inputs"].items() if k.endswith("duty_paid_on_exported_good"))
    value, _ = mfg.usmca_manufacturing_refund(d(c["inputs"]["us_duty_attributable"]), d(foreign))
    assert cents(value) == c["expected"]["refund"]
    # The records hold no duty paid in Canada or Mexico: such exports are not claimed under (a)/(b).
    component = Component(RESIN, d("1.2"), "KG", d("1.80"))
    dest = c["inputs"]["export_destination"]
    result = run([resin_line()], [article_export(dest=dest)], [bom(component)], [lot()])
    assert result.designations == []
    assert "limited to the duty paid there" in result.choice("E1").refused[Kind.MANUFACTURING]


def test_dbk_019_rejected_defective_merchandise_without_mpf():
    c = CASES["DBK-019"]
    i, e = c["inputs"]["import"], c["inputs"]["export"]
    imp = line(
        date=i["import_date"],
        qty=i["qty"],
        duty=i["duty_paid"],
        mpf=i["mpf_apportioned_to_line"],
        uom="NO",
        hts="8516604060",
        value="20000",
    )
    ret = Return(
        "R1",
        "defective",
        imp.key,
        d(e["qty"]),
        "NO",
        day("2024-05-01"),
        day("2024-06-01"),
        "QA report 7",
        export_ref="E1",
    )
    exp_ = export(
        ref="E1", date=e["date"], qty=e["qty"], uom="NO", hts="8516604060", value="5000", direct=KEY
    )

    result = run([imp], [exp_], returns=[ret])

    [des] = result.designations
    assert (des.kind, des.provision) == (Kind.REJECTED, "55")
    assert result.rounded == {"55": {"364": d(c["expected"]["total"])}}
    # Shown unused, the same goods may go under (j)(1) instead, which also refunds MPF: it pays more.
    unused = run([imp], [exp_], returns=[Return(**{**ret.__dict__, "unused": True})])
    assert unused.choice("E1").chosen == Kind.UNUSED
    assert unused.rounded == {"58": {"364": d("445.50"), "399": d("9.90")}}


def test_dbk_020_retail_return_window():
    c = CASES["DBK-020"]
    export_date = day(c["inputs"]["export_date"])
    got = {
        x: eligibility.retail_return_window(day(x), export_date).ok for x in c["inputs"]["candidate_imports"]
    }
    assert got == {k: v.startswith("eligible") for k, v in c["expected"].items()}


def test_dbk_047_no_mpf_on_substitution_manufacturing():
    component = Component(RESIN, d("1.2"), "KG", d("2"))
    result = run([resin_line(mpf="50.00")], [article_export()], [bom(component)], [lot()])
    assert set(result.rounded["52"]) == {"364"}
    assert CASES["DBK-047"]["expected"]["mpf_refund"] == "0.00"


# --- cases of our own -------------------------------------------------------------------------------------

COMPONENT = Component(RESIN, d("1"), "KG", d("2"))


@pytest.mark.parametrize(
    ("line_kw", "lot_kw", "export_kw", "eligible"),
    [
        ({}, {}, {}, True),
        # (b): production must end within the 5-year period from the import (strict: the anniversary is out).
        ({"date": "2019-04-30"}, {"started": "2024-03-01", "finished": "2024-04-30"}, {}, False),
        (
            {"date": "2019-05-01"},
            {"started": "2024-03-01", "finished": "2024-04-30"},
            {"date": "2024-04-30"},
            True,
        ),
        # Production ended before the import: the designated merchandise cannot have been used.
        ({"date": "2024-05-01"}, {}, {"date": "2024-06-01"}, False),
        # Export after the 5-year period, or before the lot started.
        ({"date": "2019-06-01"}, {}, {"date": "2024-06-01"}, False),
        ({}, {}, {"date": "2024-02-01"}, False),
        # Claim filed more than 5 years after the import.
        ({"date": "2021-06-01"}, {}, {}, False),
    ],
)
def test_substitution_manufacturing_time_windows(line_kw, lot_kw, export_kw, eligible):
    # Imports of 2019 are claimed the day before their fifth anniversary at the latest.
    filing = "2024-04-30" if line_kw.get("date", "").startswith("2019-0") else "2026-11-26"
    result = run(
        [resin_line(**line_kw)],
        [article_export(qty="10", **export_kw)],
        [bom(COMPONENT)],
        [lot(**lot_kw)],
        filing=filing,
    )
    assert bool(result.designations) is eligible


def test_the_manufacture_window_says_why():
    late = lot(finished="2024-04-30")
    check = rules.manufacture_window(day("2019-04-30"), late, settings().export_window, provision="52")
    assert not check.ok and "after 2024-04-29, the last day of the 5-year period" in check.step.text
    early = rules.manufacture_window(day("2024-05-01"), late, settings().export_window, provision="51")
    assert not early.ok and "before the import" in early.step.text


def test_substitution_needs_the_same_8_digits_not_the_same_10():
    same8 = resin_line(hts="3926909910")  # another 10-digit number under 3926.90.99
    other8 = resin_line(entry="B7603245279", hts="3926909800", duty="9000")
    result = run([same8, other8], [article_export(qty="10")], [bom(COMPONENT)], [lot()])
    assert {des.line for des in result.designations} == {same8.key}


def test_direct_identification_needs_the_lots_record_of_the_line_and_stays_within_it():
    used = resin_line(entry="B7603245278", value="100000")  # costs more than the substitute: (b) pays less
    other = resin_line(entry="B7603245279", value="100000")
    lots = [
        lot(LotUse(RESIN, d("15"), used.key), export_refs=("E1", "E2")),
    ]
    exports = [article_export(ref="E1", qty="10"), article_export(ref="E2", qty="10", date="2024-06-02")]
    result = run([used, other], exports, [bom(Component(RESIN, d("1"), "KG"))], lots)

    # No substituted cost in the bill of materials: only (a) on the line the lot used, 15 kg for both exports.
    assert {des.provision for des in result.designations} == {"51"}
    assert {des.line for des in result.designations} == {used.key}
    assert sum(des.quantity for des in result.designations) == d("15")


def test_appearing_in_ignores_the_waste_and_says_its_basis():
    component = Component(RESIN, d("2"), "KG", d("2"), appears_in=True)
    waste = WasteItem(RESIN, d("1"), d("1"))
    result = run([resin_line()], [article_export(qty="10")], [bom(component, waste=(waste,))], [lot()])
    [des] = result.designations
    assert (des.quantity, des.basis) == (d("20"), "04")


def test_valuable_waste_without_the_components_value_is_not_claimed():
    component = Component(RESIN, d("2"), "KG")
    result = run(
        [resin_line()],
        [article_export(qty="10")],
        [bom(component, waste=(WasteItem(RESIN, d("1"), d("1")),))],
        [lot(LotUse(RESIN, d("100"), resin_line().key))],
    )
    assert result.designations == []
    assert "waste cannot be deducted" in result.choice("E1").refused[Kind.MANUFACTURING]


@pytest.mark.parametrize(
    ("rulings", "reason"),
    [
        ((), "is not on file"),
        ((Ruling("H301234", day("2024-04-01")),), "does not cover production"),
        ((Ruling("H301234", day("2020-01-01"), day("2024-04-29")),), "does not cover production"),
        ((Ruling("H301234", None, approved=False),), "is not approved"),
    ],
)
def test_the_ruling_must_cover_the_production(rulings, reason):
    result = run([resin_line()], [article_export(qty="10")], [bom(COMPONENT)], [lot()], rulings=rulings)
    assert result.designations == []
    assert reason in result.choice("E1").refused[Kind.MANUFACTURING]


def test_ruling_in_force_on_a_day():
    assert rules.ruling_in_force("h301234", [RULING], day("2026-01-01")).ok
    assert not rules.ruling_in_force(
        "H301234", [Ruling("H301234", day("2020-01-01"), day("2025-01-01"))], day("2026-01-01")
    ).ok


OVEN = dict(hts="8516604060", uom="NO", qty="100", value="30000", duty="900", date="2024-01-10")


@pytest.mark.parametrize(
    ("ret_kw", "export_kw", "reason"),
    [
        ({}, {"date": "2024-04-30"}, "before the return"),
        ({"proof": " "}, {}, "no proof"),
        ({}, {"date": "2029-01-10"}, "the designation is abandoned"),
        ({"reason": "broken"}, {}, "is not one of"),
        ({"uom": "KG"}, {}, "units"),
    ],
)
def test_rejected_merchandise_conditions(ret_kw, export_kw, reason):
    imp = line(**OVEN)
    base = {
        "ref": "R1",
        "reason": "nonconforming",
        "line": imp.key,
        "quantity": d("5"),
        "uom": "NO",
        "rejected_on": day("2024-04-01"),
        "returned_on": day("2024-05-01"),
        "proof": "Inspection 4",
        "export_ref": "E1",
    }
    ret = Return(**{**base, **ret_kw})
    fields = {
        "ref": "E1",
        "hts": "8516604060",
        "uom": "NO",
        "qty": "5",
        "value": "1500",
        "date": "2024-06-01",
    }
    exp_ = export(**{**fields, **export_kw})
    result = run(
        [imp], [exp_], returns=[ret], filing="2029-02-01" if "2029" in str(export_kw) else "2026-11-26"
    )
    assert Kind.REJECTED not in result.choice("E1").allowed
    assert reason in result.choice("E1").refused[Kind.REJECTED]


def test_rejected_merchandise_provision_follows_the_reason():
    imp = line(**OVEN)
    for reason, provision in rules.REJECTED_PROVISIONS.items():
        ret = Return(
            "R1",
            reason,
            imp.key,
            d("5"),
            "NO",
            day("2024-04-01"),
            day("2024-05-01"),
            "Proof",
            part="P1",
            export_ref="E1",
        )
        exp_ = export(ref="E1", hts="8516604060", uom="NO", qty="5", value="1500", direct=imp.key)
        [des] = run([imp], [exp_], returns=[ret]).designations
        assert des.provision == provision
        assert cents(des.refund) == "44.55"  # 99% x 900 x 5/100


def test_a_line_is_designated_by_one_method_across_types():
    """A line the lot used (direct identification, (a)) is not also used for (j)(2) substitution."""
    resin = resin_line(qty="100", value="200", duty="1000")
    lots = [lot(LotUse(RESIN, d("100"), resin.key), export_refs=("E1",))]
    exports = [
        article_export(ref="E1", qty="10"),
        export(ref="E2", hts=RESIN, uom="KG", qty="100", value="200", date="2024-06-01"),
    ]
    result = run([resin], exports, [bom(Component(RESIN, d("5"), "KG"))], lots)
    methods = {des.provision for des in result.designations}
    assert methods in ({"51"}, {"59"})
    assert sum(des.quantity for des in result.designations) <= d("100")
