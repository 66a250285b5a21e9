"""The type choice's program is built as arrays: HiGHS gets the same program as from the lists of entries per
row and per column it was first built from (kept here as the reference), so the choice cannot change."""

import datetime as dt
from collections import defaultdict

import highspy
import numpy as np
import pytest

from claims.manufacturing.types import SCALE, _as_type, _program, build_model, solve_model

from .test_type_choice import instance


def program_from_lists(model, force, methods):
    """The program as first built: a list of entries per row, turned into one per column."""
    arcs = model.arcs
    types = sorted({a.type_key for a in arcs}, key=lambda t: (t[0], t[1].value, t[2]))
    t_index = {t: i for i, t in enumerate(types)}
    both = sorted({a.line for a in arcs if a.direct} & {a.line for a in arcs if not a.direct})
    b_index = {line: i for i, line in enumerate(both)}
    n_arc, n_type, n_both = len(arcs), len(types), len(both)
    n = n_arc + n_type + n_both
    cost, lower, upper = np.zeros(n), np.zeros(n), np.zeros(n)
    for i, arc in enumerate(arcs):
        cost[i] = float(arc.weight) / SCALE
        upper[i] = arc.cap
    upper[n_arc:] = 1
    for (e_idx, kind, option), i in t_index.items():
        if e_idx in force:
            value = 1.0 if (kind, option) == _as_type(force[e_idx]) else 0.0
            lower[n_arc + i] = upper[n_arc + i] = value
    for l_idx, direct in methods.items():
        if l_idx in b_index:
            lower[n_arc + n_type + b_index[l_idx]] = upper[n_arc + n_type + b_index[l_idx]] = float(direct)
    rows = []
    by_line, by_req, by_lot = defaultdict(list), defaultdict(list), defaultdict(list)
    for i, arc in enumerate(arcs):
        by_line[arc.line].append(i)
        by_req[arc.requirement].append(i)
        if arc.lot_use is not None:
            by_lot[arc.lot_use].append(i)
    inf = highspy.kHighsInf
    for l_idx, members in by_line.items():
        rows.append((members, [1.0] * len(members), -inf, float(model.line_caps[l_idx])))
    for req, members in by_req.items():
        u = n_arc + t_index[arcs[members[0]].type_key]
        rows.append((members + [u], [1.0] * len(members) + [-float(model.requirements[req])], -inf, 0.0))
    by_export = defaultdict(list)
    for (e_idx, _, _), i in t_index.items():
        by_export[e_idx].append(n_arc + i)
    for members in by_export.values():
        if len(members) > 1:
            rows.append((members, [1.0] * len(members), -inf, 1.0))
    for key, members in by_lot.items():
        rows.append((members, [1.0] * len(members), -inf, float(model.lot_caps[key])))
    for l_idx in both:
        d = n_arc + n_type + b_index[l_idx]
        cap = float(model.line_caps[l_idx])
        direct = [i for i in by_line[l_idx] if arcs[i].direct]
        subst = [i for i in by_line[l_idx] if not arcs[i].direct]
        rows.append((direct + [d], [1.0] * len(direct) + [-cap], -inf, 0.0))
        rows.append((subst + [d], [1.0] * len(subst) + [cap], -inf, cap))
    columns = [[] for _ in range(n)]
    for r, (members, coefs, _, _) in enumerate(rows):
        for j, a in zip(members, coefs, strict=True):
            columns[j].append((r, a))
    starts, index, values = [0], [], []
    for col in columns:
        for r, a in col:
            index.append(r)
            values.append(a)
        starts.append(len(index))
    return {
        "col_cost": cost,
        "col_lower": lower,
        "col_upper": upper,
        "row_lower": np.array([r[2] for r in rows]),
        "row_upper": np.array([r[3] for r in rows]),
        "start": np.array(starts, dtype=np.int32),
        "index": np.array(index, dtype=np.int32),
        "value": np.array(values),
        "entry_row": np.array(index, dtype=np.int64),
        "entry_col": np.repeat(np.arange(n), np.diff(np.array(starts))),
        "types": {t: n_arc + i for t, i in t_index.items()},
        "methods": {line: n_arc + n_type + i for line, i in b_index.items()},
    }


def assert_same_program(model, force=None, methods=None):
    force, methods = force or {}, methods or {}
    want = program_from_lists(model, force, methods)
    program = _program(model, force, methods)
    lp = program.lp
    got = {
        "col_cost": lp.col_cost_,
        "col_lower": lp.col_lower_,
        "col_upper": lp.col_upper_,
        "row_lower": lp.row_lower_,
        "row_upper": lp.row_upper_,
        "start": lp.a_matrix_.start_,
        "index": lp.a_matrix_.index_,
        "value": lp.a_matrix_.value_,
        "entry_row": program.entry_row,
        "entry_col": program.entry_col,
    }
    # HiGHS hands its arrays back in its own integer type: the values are compared, and the types where kept.
    for name, value in got.items():
        np.testing.assert_array_equal(np.asarray(value, dtype=want[name].dtype), want[name], err_msg=name)
    for name in ("entry_row", "entry_col"):
        np.testing.assert_array_equal(getattr(program, name), want[name], strict=True)
    np.testing.assert_array_equal(program.entry_value, want["value"], strict=True)
    np.testing.assert_array_equal(program.row_upper, want["row_upper"], strict=True)
    assert lp.num_row_ == len(want["row_upper"]) and lp.num_col_ == len(want["col_cost"])
    assert (program.types, program.methods) == (want["types"], want["methods"])
    return want


@pytest.mark.parametrize("seed", range(60))
def test_a_random_claim_gets_the_same_program(seed):
    model = build_model(**instance(seed))
    if not model.arcs:
        return
    assert_same_program(model)
    # As the alternatives build it: every export's type and every line's method forced as chosen.
    solution = solve_model(model)
    assert_same_program(model, dict(solution.switched_on), solution.direct_method)


def test_the_random_claims_have_every_kind_of_row():
    """The comparison above reaches lot usages and lines that could serve both methods."""
    lots = both = 0
    for seed in range(60):
        model = build_model(**instance(seed))
        lots += any(a.lot_use is not None for a in model.arcs)
        both += bool({a.line for a in model.arcs if a.direct} & {a.line for a in model.arcs if not a.direct})
    assert lots > 10 and both > 5


def test_two_product_families_get_the_same_program():
    from claims.management.commands.bench_types import generate

    assert_same_program(build_model(**generate(24, families=2)))


@pytest.mark.django_db
def test_the_sample_manufacturer_gets_the_same_program(client_a):
    from claims.manufacturing.data import type_inputs

    from .helpers import manufacturer

    manufacturer(client_a)
    model = build_model(**type_inputs(client_a, dt.date(2026, 12, 1)).kwargs())
    want = assert_same_program(model)
    assert len(want["row_upper"]) > 5
