"""The type choice: on small random instances its refund equals a brute-force optimum (every type per export
and every method per line tried, each allocation solved exactly in fractions), it follows the rules of the
model (capacities, one type per export, one method per line), and on the sample manufacturer it picks
manufacturing where that pays more and names the alternative it beat."""

import datetime as dt
import itertools
import random
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from claims.engine.amounts import EXACT
from claims.manufacturing import rules
from claims.manufacturing.types import (
    SCALE,
    AlternativeBasis,
    Kind,
    arc_groups,
    build_model,
    choose_types,
    designations_of,
    exact_total,
    solve_model,
)
from tests.engine.builders import CH99, TARIFF, d, export, line, settings
from tests.reference.exact_lp import simplex

RESIN, BOLTS, OVEN = "3926909990", "7318152095", "8516604060"


def instance(seed: int):
    rng = random.Random(seed)
    lines = []
    for n in range(rng.randint(2, 5)):
        hts = rng.choice([RESIN, RESIN, BOLTS, OVEN])
        qty = rng.randint(1, 4)
        lines.append(
            line(
                entry=f"B76{n:07d}",
                number=1,
                date=f"2024-0{rng.randint(1, 4)}-1{rng.randint(0, 9)}",
                hts=hts,
                uom="NO" if hts == OVEN else "KG",
                qty=str(qty),
                value=str(rng.randint(1, 20) * qty),
                duty=str(rng.randint(1, 40)),
                mpf=str(rng.choice([0, 0, 3])),
            )
        )
    ovens = [x for x in lines if x.hts == OVEN]
    exports, returns = [], []
    for n in range(rng.randint(1, 3)):
        direct = rng.choice(ovens).key if ovens and rng.random() < 0.3 else None
        ref = f"E{n}"
        exports.append(
            export(
                ref=ref,
                date=f"2024-0{rng.randint(6, 9)}-0{rng.randint(1, 9)}",
                hts=OVEN,
                uom="NO",
                qty=str(rng.randint(1, 3)),
                value=str(rng.randint(1, 30)),
                direct=tuple(direct) if direct else None,
            )
        )
        if direct is not None:
            returns.append(
                rules.Return(
                    f"R{n}",
                    rng.choice(list(rules.REJECTED_PROVISIONS)),
                    direct,
                    d(rng.randint(1, 3)),
                    "NO",
                    dt.date(2024, 5, 1),
                    dt.date(2024, 5, 20),
                    "Inspection report",
                    "P1",
                    rng.random() < 0.5,
                    ref,
                )
            )
    components = [
        rules.Component(RESIN, d(rng.randint(1, 2)), "KG", rng.choice([None, d(rng.randint(1, 9))]))
    ]
    if rng.random() < 0.5:
        components.append(rules.Component(BOLTS, d(1), "KG", d(rng.randint(1, 9))))
    bom = rules.Bom("ART", OVEN, "NO", "H1", tuple(components))
    uses = tuple(
        rules.LotUse(x.hts, d(rng.randint(1, 3)), x.key)
        for x in lines
        if x.hts != OVEN and rng.random() < 0.6
    )
    lot = rules.Lot(
        "L1",
        "ART",
        d(10),
        dt.date(2024, 5, 1),
        dt.date(2024, 5, 31),
        uses,
        tuple(e.ref for e in exports if e.direct_line is None),
    )
    return {
        "lines": lines,
        "exports": exports,
        "tariff": TARIFF,
        "chapter99": CH99,
        "settings": settings("2026-11-26"),
        "boms": {"ART": bom},
        "lots": [lot],
        "rulings": [rules.Ruling("H1", dt.date(2020, 1, 1))],
        "returns": returns,
    }


def optimum_with(model, chosen: dict, direct_of: dict) -> Fraction | None:
    """The refund of the best allocation with every export's type (`chosen`, None: no type) and the method of
    each line that could take either (`direct_of`) fixed, solved exactly as a linear program in fractions."""
    arcs = model.arcs
    usable = [
        i
        for i, a in enumerate(arcs)
        if chosen.get(a.export) == (a.kind, a.option) and direct_of.get(a.line, a.direct) == a.direct
    ]
    if not usable:
        return Fraction(0)
    pos = {i: k for k, i in enumerate(usable)}
    constraints = []
    groups = {}
    for i in usable:
        a = arcs[i]
        constraints.append(({pos[i]: 1}, "<=", a.cap))
        groups.setdefault(("line", a.line), []).append(pos[i])
        groups.setdefault(("req", a.requirement), []).append(pos[i])
        if a.lot_use is not None:
            groups.setdefault(("lot", a.lot_use), []).append(pos[i])
    for (kind, key), members in groups.items():
        cap = {"line": model.line_caps, "req": model.requirements, "lot": model.lot_caps}[kind][key]
        constraints.append(({m: 1 for m in members}, "<=", cap))
    objective = [Fraction(arcs[i].weight) / SCALE for i in usable]
    result = simplex(objective, constraints, len(usable))
    assert result.status == "optimal"
    return result.value


def brute_force(model) -> Fraction:
    """Every type for every export and every method for every line that could take either, each allocation
    solved exactly as a linear program."""
    arcs = model.arcs
    exports = sorted({a.export for a in arcs})
    # A type, or for a retail return the option of designating another import (1313(c)(2)), per export.
    options = [[None, *sorted({(a.kind, a.option) for a in arcs if a.export == e})] for e in exports]
    both = sorted({a.line for a in arcs if a.direct} & {a.line for a in arcs if not a.direct})
    best = Fraction(0)
    for kinds in itertools.product(*options):
        chosen = dict(zip(exports, kinds, strict=True))
        for methods in itertools.product([True, False], repeat=len(both)):
            best = max(best, optimum_with(model, chosen, dict(zip(both, methods, strict=True))))
    return best


@pytest.mark.parametrize("seed", range(60))
def test_the_choice_equals_the_brute_force_optimum(seed):
    data = instance(seed)
    model = build_model(**data)
    solution = solve_model(model)
    designations = designations_of(model, solution)
    got = sum((Fraction(x.refund) for x in designations), Fraction(0))

    assert abs(got - brute_force(model)) < Fraction(1, 10**20)
    # The rules of the model hold for the designation found.
    used: dict = {}
    for i, q in solution.quantities.items():
        arc = model.arcs[i]
        assert 0 < q <= arc.cap
        used[arc.line] = used.get(arc.line, 0) + q
    assert all(used[x] <= model.line_caps[x] for x in used)
    for ref in {x.export_ref for x in designations}:
        assert len({x.kind for x in designations if x.export_ref == ref}) == 1
    for key in {x.line for x in designations}:
        direct = {
            x.provision in ("51", "53", "54", "55", "56", "58") and not x.designated_import
            for x in designations
            if x.line == key
        }
        assert len(direct) == 1


def test_an_export_forced_to_another_type_gives_a_claim_no_larger():
    for seed in range(20):
        data = instance(seed)
        result = choose_types(**data)
        for choice in result.choices:
            if choice.alternative is not None:
                assert choice.alternative_total <= result.exact


def test_the_alternative_with_only_this_export_changed_is_that_claim_solved_exactly():
    """Each export's alternative on the basis "only this export changed" is the best refund with every other
    export's type and every line's method as chosen and this export under another type: checked against that
    allocation solved exactly in fractions, and against a fresh solve with those binaries forced."""
    checked = below_whole_claim = 0
    for seed in range(40):
        data = instance(seed)
        result = choose_types(**data, basis=AlternativeBasis.THIS_EXPORT)
        whole = choose_types(**data)
        assert result.alternative_basis == AlternativeBasis.THIS_EXPORT
        model = build_model(**data)
        solution = solve_model(model)
        assert exact_total(designations_of(model, solution)) == result.exact
        for e_idx, choice in enumerate(result.choices):
            # Each other type, and for a retail return each other option (1313(c)(2)), the export may take.
            others = [t for t in model.options(e_idx) if t != (choice.chosen, choice.option)]
            assert (choice.alternative is not None) == bool(others)
            if choice.alternative is None:
                continue
            assert choice.alternative_basis == AlternativeBasis.THIS_EXPORT
            exact = {}
            for other in others:
                chosen = {**solution.switched_on, e_idx: other}
                exact[other] = optimum_with(model, chosen, solution.direct_method)
                forced = solve_model(model, force=chosen, methods=solution.direct_method)
                assert abs(Fraction(exact_total(designations_of(model, forced))) - exact[other]) < Fraction(
                    1, 10**20
                )
            assert abs(Fraction(choice.alternative_total) - max(exact.values())) < Fraction(1, 10**20)
            assert exact[(choice.alternative, choice.alternative_option)] == max(exact.values())
            # A claim that could be filed: never above the whole claim re-optimised, never above the choice.
            assert Fraction(choice.alternative_total) <= Fraction(result.exact) + Fraction(1, 10**20)
            other = whole.choices[e_idx].alternative_total
            assert Fraction(choice.alternative_total) <= Fraction(other) + Fraction(1, 10**20)
            below_whole_claim += Fraction(other) - Fraction(choice.alternative_total) > Fraction(1, 100)
            checked += 1
    assert checked > 30
    # The two bases differ on some exports: why the page says which one it shows.
    assert below_whole_claim > 0


def test_the_alternative_of_each_product_family_is_solved_on_its_own_group():
    """Two product families share no import: each export's alternative is solved again over its family's arcs
    only, and is still the whole program solved with every other binary forced as chosen."""
    from claims.management.commands.bench_types import generate

    data = generate(16, families=2)
    result = choose_types(**data, basis=AlternativeBasis.THIS_EXPORT)
    model = build_model(**data)
    solution = solve_model(model)
    assert len(arc_groups(model)) == 2
    checked = 0
    for e_idx, choice in enumerate(result.choices):
        if choice.alternative is None:
            continue
        chosen = {**solution.switched_on, e_idx: (choice.alternative, choice.alternative_option)}
        forced = solve_model(model, force=chosen, methods=solution.direct_method)
        with localcontext(EXACT):
            assert abs(exact_total(designations_of(model, forced)) - choice.alternative_total) < Decimal(
                "1e-30"
            )
        checked += 1
    assert checked >= 12


@pytest.mark.django_db
def test_the_sample_manufacturer_gets_manufacturing_where_it_pays_more(client_a):
    from claims.manufacturing.data import type_inputs

    from .helpers import manufacturer

    manufacturer(client_a)

    result = choose_types(**type_inputs(client_a, dt.date(2026, 12, 1)).kwargs())

    ovens = result.choice("X20250310000401")
    assert ovens.chosen == Kind.MANUFACTURING and ovens.alternative == Kind.UNUSED
    assert ovens.alternative_total < result.exact
    assert {(x.provision, x.component) for x in result.designations if x.export_ref == ovens.export_ref} == {
        ("51", "3923900080"),
        ("52", BOLTS),
    }
    assert result.choice("X20250915000302").chosen == Kind.UNUSED
    returned = result.choice("X20251120000020")
    assert (returned.chosen, returned.alternative) == (Kind.UNUSED, Kind.REJECTED)
    assert returned.alternative_total < result.exact
    assert result.refund == Decimal("1357.60")


def test_a_long_exact_quantity_per_article_is_shown_rounded_and_marked():
    """After valuable waste the quantity per article can be a long exact quotient: the explanation shows six
    decimals and says it is rounded; a short one is shown as it is."""
    from claims.manufacturing.types import _shown

    assert _shown(Decimal(114) / Decimal(29)) == "about 3.931034"
    assert _shown(Decimal("2.5000")) == "2.5"
    assert _shown(Decimal("100")) == "100"
