"""Retail returns designating another import (19 U.S.C. 1313(c)(2)): the rule (an import of the same 8-digit
HTS and part, within the year before the export), and the type choice that takes it where it refunds more
than the returned goods' own line, exactly (brute force on small random instances) and without splitting an
export between the two."""

import dataclasses
import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from claims.engine.model import Election, LineKey
from claims.manufacturing import rules
from claims.manufacturing.types import (
    DESIGNATED,
    Kind,
    build_model,
    choose_types,
    designations_of,
    solve_model,
)
from tests.engine.builders import CH99, TARIFF, d, export, line, settings

from .test_type_choice import brute_force

OVEN, OTHER_OVEN = "8516604060", "8516500000"
EXPORTED = "2025-11-20"


def oven(entry: str, *, date: str, qty="10", value="3000", duty="90", hts=OVEN, **kw):
    return line(entry=entry, number=1, date=date, hts=hts, qty=qty, uom="NO", value=value, duty=duty, **kw)


def retail(ref="R1", own="M4K4100001", part="OV-200", qty="5", export_ref="E1", **kw) -> rules.Return:
    return rules.Return(
        ref,
        "retail",
        LineKey(own, 1),
        d(qty),
        "NO",
        dt.date(2025, 10, 25),
        dt.date(2025, 11, 1),
        "RMA slip",
        part,
        False,
        export_ref,
        **kw,
    )


def check(candidate, *, part="OV-200", ret=None, export_date=EXPORTED):
    return rules.retail_designation(
        ret or retail(),
        candidate,
        line_part=part,
        returned_hts=OVEN,
        export_date=dt.date.fromisoformat(export_date),
        settings=settings("2026-11-26"),
    )


# --- the rule ---------------------------------------------------------------------------------------------


def test_an_import_exactly_one_year_before_the_export_may_be_designated():
    result = check(oven("M4K4100002", date="2024-11-20"))

    assert result.ok
    assert result.step.citation.startswith("19 U.S.C. 1313(c)(2)")
    assert "same 8-digit 85166040 and part OV-200" in result.step.text


def test_an_import_on_the_export_day_may_be_designated():
    assert check(oven("M4K4100002", date=EXPORTED)).ok


def test_an_import_a_day_more_than_one_year_before_the_export_may_not():
    result = check(oven("M4K4100002", date="2024-11-19"))

    assert not result.ok
    assert result.step.text == (
        "M4K4100002 line 1 imported 2024-11-19, more than 1 year before the export 2025-11-20 (the "
        "designated import must be from 2024-11-20 on)"
    )


def test_an_import_after_the_export_may_not_be_designated():
    result = check(oven("M4K4100002", date="2025-11-21"))

    assert not result.ok
    assert "imported 2025-11-21, after the export 2025-11-20" in result.step.text


def test_another_part_may_not_be_designated():
    result = check(oven("M4K4100002", date="2025-06-01"), part="OV-300")

    assert not result.ok
    assert "is part OV-300, the returned goods OV-200: not the same" in result.step.text


def test_a_line_whose_part_the_records_do_not_show_may_not_be_designated():
    result = check(oven("M4K4100002", date="2025-06-01"), part="")

    assert not result.ok
    assert "do not show the product identifier" in result.step.text


def test_another_8_digit_subheading_may_not_be_designated():
    result = check(oven("M4K4100002", date="2025-06-01", hts=OTHER_OVEN))

    assert not result.ok
    assert (
        "classified 85165000, the returned goods 85166040: not the same 8-digit subheading"
        in result.step.text
    )


def test_only_a_retail_return_designates_and_never_its_own_line():
    defective = dataclasses.replace(retail(), reason="defective")
    assert "only a retail return" in check(oven("M4K4100002", date="2025-06-01"), ret=defective).step.text
    own = check(oven("M4K4100001", date="2025-06-01"))
    assert not own.ok and "own line" in own.step.text


def test_a_line_designated_by_direct_identification_or_without_duty_may_not_be_designated():
    direct = check(oven("M4K4100002", date="2025-06-01", election=Election.DIRECT))
    assert not direct.ok and direct.step.citation.startswith("19 CFR 190.51(a)(3)")
    assert "a 1313(c)(2) designation is substitution" in direct.step.text
    free = check(oven("M4K4100002", date="2025-06-01", duty="0"))
    assert not free.ok and "no duty was paid" in free.step.text


def test_the_part_of_a_line_is_what_the_retail_returns_naming_it_say():
    parts = rules.line_parts_of(
        [
            retail("R1", own="M4K4100001", part="OV-200"),
            retail("R2", own="M4K4100002", part="OV-200"),
            retail("R3", own="M4K4100002", part="OV-300"),  # two parts for one line: not known
        ]
    )

    assert parts == {LineKey("M4K4100001", 1): "OV-200"}


# --- the type choice --------------------------------------------------------------------------------------


def inputs(lines, returns, *, value="2000"):
    exports = [
        export(
            ref=r.export_ref,
            date=EXPORTED,
            hts=OVEN,
            qty=str(r.quantity),
            uom="NO",
            value=value,
            direct=tuple(r.line),
        )
        for r in returns
        if r.export_ref
    ]
    return {
        "lines": lines,
        "exports": exports,
        "tariff": TARIFF,
        "chapter99": CH99,
        "settings": settings("2026-11-26"),
        "returns": returns,
    }


def test_another_import_with_more_duty_is_designated_and_the_explanation_says_so():
    lines = [
        oven("M4K4100001", date="2025-01-10", duty="90"),  # the returned goods' own line: 9.00 a unit
        oven("M4K4100002", date="2025-06-01", duty="200"),  # same part (its return R0 says so): 20.00 a unit
    ]
    returns = [retail(), retail("R0", own="M4K4100002", qty="1", export_ref="")]

    result = choose_types(**inputs(lines, returns))

    choice = result.choice("E1")
    assert (choice.chosen, choice.option) == (Kind.REJECTED, DESIGNATED)
    assert (
        choice.explanation() == "Rejected merchandise, another import designated (1313(c)(2)) refunds 99.00"
    )
    assert any("M4K4100002" in s.text and "within the year before the export" in s.text for s in choice.steps)
    # The alternative it beat: the returned goods' own line, by direct identification.
    assert (choice.alternative, choice.alternative_option) == (Kind.REJECTED, "")
    assert choice.alternative_total == Decimal("44.55")
    [designation] = result.designations
    assert (designation.line, designation.provision, designation.designated_import) == (
        LineKey("M4K4100002", 1),
        "56",
        True,
    )
    # 99% of the duty paid on the designated line, 5 x 20.00, without a lesser-of on the low export value.
    assert designation.refund == Decimal("99.0000")
    assert result.rounded == {"56 (pos 77 Y)": {"364": Decimal("99.00")}}


def test_the_own_line_is_kept_when_it_pays_more():
    lines = [
        oven("M4K4100001", date="2025-01-10", duty="300"),
        oven("M4K4100002", date="2025-06-01", duty="200"),
    ]
    returns = [retail(), retail("R0", own="M4K4100002", qty="1", export_ref="")]

    result = choose_types(**inputs(lines, returns))

    choice = result.choice("E1")
    assert (choice.chosen, choice.option) == (Kind.REJECTED, "")
    assert choice.explanation() == "Rejected merchandise (1313(c)) refunds 148.50"
    assert (choice.alternative, choice.alternative_option) == (Kind.REJECTED, DESIGNATED)
    assert [x.designated_import for x in result.designations] == [False]
    assert result.rounded == {"56": {"364": Decimal("148.50")}}


def test_when_nothing_is_left_of_the_own_line_another_import_is_designated():
    # The own line is not among the lines read (all of it claimed); the return's record still gives its
    # classification and date.
    lines = [oven("M4K4100002", date="2025-06-01", duty="200")]
    returns = [
        retail(line_hts=OVEN, line_imported_on=dt.date(2025, 1, 10)),
        retail("R0", own="M4K4100002", qty="1", export_ref=""),
    ]

    result = choose_types(**inputs(lines, returns))

    choice = result.choice("E1")
    assert (choice.chosen, choice.option) == (Kind.REJECTED, DESIGNATED)
    assert "not the returned goods' own line: return R1: nothing is left of" in choice.steps[0].text
    assert [(x.line, x.quantity) for x in result.designations] == [(LineKey("M4K4100002", 1), Decimal("5"))]


def test_an_import_outside_the_year_or_of_another_part_is_not_designated():
    lines = [
        oven("M4K4100001", date="2025-01-10", duty="90"),
        oven("M4K4100002", date="2024-11-19", duty="200"),  # a day too early
        oven("M4K4100003", date="2025-06-01", duty="200"),  # another part
    ]
    returns = [
        retail(),
        retail("R0", own="M4K4100002", qty="1", export_ref=""),
        retail("R9", own="M4K4100003", qty="1", part="OV-300", export_ref=""),
    ]

    result = choose_types(**inputs(lines, returns))

    assert [(x.line, x.designated_import) for x in result.designations] == [(LineKey("M4K4100001", 1), False)]
    assert result.choice("E1").alternative is None


def test_a_line_designated_for_a_retail_return_is_not_also_identified_directly():
    """Line B is the own line of return R2 (direct identification) and could be designated for R1 under
    (c)(2): it takes one method only (19 CFR 190.51(a)(3)). R2 brought back all 10 units of B: identifying
    them directly and A for R1 (10 x 20.00 + 5 x 9.00) beats designating B for R1 and A for R2 (5 x 20.00 +
    10 x 9.00)."""
    lines = [
        oven("M4K4100001", date="2025-01-10", duty="90"),
        oven("M4K4100002", date="2025-06-01", duty="200"),
    ]
    returns = [retail(), retail("R2", own="M4K4100002", qty="10", export_ref="E2")]

    result = choose_types(**inputs(lines, returns))

    methods = {(x.export_ref, x.line, x.designated_import) for x in result.designations}
    assert methods == {("E1", LineKey("M4K4100001", 1), False), ("E2", LineKey("M4K4100002", 1), False)}
    assert result.refund == Decimal("242.55")
    assert result.choice("E1").alternative_option == DESIGNATED


def retail_instance(seed: int):
    rng = random.Random(seed)
    lines = []
    for n in range(rng.randint(2, 5)):
        lines.append(
            line(
                entry=f"M4K{n:07d}",
                number=1,
                date=f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                hts=rng.choice([OVEN, OVEN, OVEN, OTHER_OVEN]),
                qty=str(rng.randint(1, 6)),
                uom="NO",
                value=str(rng.randint(1, 20) * 10),
                duty=str(rng.randint(1, 40)),
                election=rng.choice([None, None, None, Election.SUBSTITUTION, Election.DIRECT]),
            )
        )
    returns, exports = [], []
    for n in range(rng.randint(1, 4)):
        own = rng.choice(lines)
        ref = f"E{n}" if rng.random() < 0.8 else ""
        returns.append(
            rules.Return(
                f"R{n}",
                rng.choice(["retail", "retail", "defective"]),
                own.key,
                d(rng.randint(1, 4)),
                "NO",
                dt.date(2025, 10, 1),
                dt.date(2025, 10, 15),
                "RMA",
                rng.choice(["P1", "P1", "P2"]),
                rng.random() < 0.3,
                ref,
            )
        )
        if ref:
            exports.append(
                export(
                    ref=ref,
                    date=f"2025-11-{rng.randint(10, 28)}",
                    hts=own.hts,
                    qty=str(rng.randint(1, 4)),
                    uom="NO",
                    value=str(rng.randint(1, 50)),
                    direct=tuple(own.key),
                )
            )
    return {
        "lines": lines,
        "exports": exports,
        "tariff": TARIFF,
        "chapter99": CH99,
        "settings": settings("2026-11-26"),
        "returns": returns,
    }


@pytest.mark.parametrize("seed", range(40))
def test_the_choice_with_retail_designations_equals_the_brute_force_optimum(seed):
    model = build_model(**retail_instance(seed))
    solution = solve_model(model)
    designations = designations_of(model, solution)
    got = sum((Fraction(x.refund) for x in designations), Fraction(0))

    assert abs(got - brute_force(model)) < Fraction(1, 10**20)
    for ref in {x.export_ref for x in designations}:
        # One type and one option per export: pos 77 is one indicator for the claim that holds the export.
        assert len({(x.kind, x.designated_import) for x in designations if x.export_ref == ref}) == 1
    for key in {x.line for x in designations}:
        assert len({x.designated_import or x.provision == "59" for x in designations if x.line == key}) == 1


def test_the_random_instances_do_designate_other_imports():
    """The brute-force comparison above covers the (c)(2) option, not only direct identification."""
    found = 0
    for seed in range(40):
        model = build_model(**retail_instance(seed))
        found += any(x.designated_import for x in designations_of(model, solve_model(model)))
    assert found >= 3
