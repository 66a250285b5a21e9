"""Database rows to engine inputs: what is left of each line and export, the method a line is held to, pins
and exclusions, and which lines are read at all."""

import datetime as dt
from decimal import Decimal

import pytest

from claims.building.inputs import engine_inputs_for
from claims.building.parameters import Exclusions, ExportFilter, Pin
from claims.engine.model import Election, LineKey, Provision
from imports.models import ImportLine, LineCh99Duty
from tests.claims.build_data import FILING, client_lines, designations, rows_by_pair, run_build
from tests.factories import ExportFactory, ImportLineFactory

pytestmark = pytest.mark.django_db


def inputs(client, *, export_filter=None, exclusions=None, pins=(), filing=FILING):
    return engine_inputs_for(
        client=client,
        export_filter=export_filter or ExportFilter(),
        exclusions=exclusions or Exclusions(),
        pins=pins,
        filing_date=filing,
    )


def by_entry(result):
    return {line.entry_number: line for line in result.lines}


def test_lines_and_exports_carry_what_is_left_and_the_method_fixed_earlier(client_a):
    data = client_lines(client_a)
    ImportLine.objects.filter(pk=data.l1.pk).update(
        quantity_available=Decimal("35"), designation_method="substitution"
    )
    ImportLine.objects.filter(pk=data.l3.pk).update(designation_method="direct")
    data.dear.quantity_available = Decimal("12.5")
    data.dear.save()
    LineCh99Duty.objects.create(line=data.l2, ordinal=1, number="9903.88.03", amount=Decimal("250.00"))

    result = inputs(client_a)

    lines = by_entry(result)
    l1, l2, l3 = (lines[x.entry.entry_number] for x in (data.l1, data.l2, data.l3))
    assert (l1.available, l1.election, l1.quantity) == (Decimal("35"), Election.SUBSTITUTION, Decimal("100"))
    assert (l2.available, l2.election) == (Decimal("100"), None)
    assert l3.election == Election.DIRECT
    assert [(c.number, c.amount) for c in l2.ch99] == [("9903.88.03", Decimal("250.00"))]
    assert (l1.mpf, l1.entered_value, l1.duty, l1.uom) == (
        Decimal("34.64"),
        Decimal("10000.00"),
        Decimal("1650.00"),
        "DOZ",
    )
    exports = {e.ref: e for e in result.exports}
    assert exports["X-DEAR"].available == Decimal("12.5")
    assert exports["X-DIRECT"].direct_line == LineKey(data.l3.entry.entry_number, 1)
    assert result.line_ids[l1.key] == data.l1.pk and result.export_ids["X-DEAR"] == data.dear.pk
    assert result.settings.filing_date == FILING and result.settings.export_window == "strict"
    # The tariff rows the engine needs were read: the 8-digit rate row and the 10-digit description.
    assert result.tariff.rate("6109100012")[0].text == "16.5%"


def test_what_another_build_saved_is_not_proposed_again(client_a, analyst):
    data = client_lines(client_a)
    first = run_build(client_a, analyst, destinations=["JP"])
    from claims.building.services import claim_build_save

    claim_build_save(build=first, user=analyst)
    second = run_build(client_a, analyst)

    rows = rows_by_pair(second)
    taken = sum(Decimal(r["quantity"]) for r in designations(second) if r["line_id"] == data.l1.pk)
    # 80 of L1 went to X-DEAR on the saved claim: the second build designates the 20 left, and not X-DEAR.
    assert taken == Decimal("20")
    assert not any(ref == "X-DEAR" for ref, _ in rows)


def test_a_line_held_to_direct_identification_is_not_used_for_substitution(client_a):
    data = client_lines(client_a)
    ImportLine.objects.filter(pk=data.l1.pk).update(designation_method="direct")
    build_inputs = inputs(client_a)
    from claims.engine.problem import prepare

    problem = prepare(
        lines=build_inputs.lines,
        exports=build_inputs.exports,
        tariff=build_inputs.tariff,
        chapter99=build_inputs.chapter99,
        settings=build_inputs.settings,
    )
    reasons = {x.ref: x.reason for x in problem.exclusions}
    assert "already designated by direct" in reasons[str(LineKey(data.l1.entry.entry_number, 1))]


def test_only_lines_that_could_serve_the_selected_exports_are_read(client_a):
    data = client_lines(client_a)
    other_product = ImportLineFactory(entry__client=client_a, hts="7318150000", uom="KG")
    too_old = ImportLineFactory(entry__client=client_a, entry__import_date=dt.date(2019, 1, 2))
    used_up = ImportLineFactory(entry__client=client_a, quantity_available=Decimal("0"))

    result = inputs(client_a, export_filter=ExportFilter(destinations=("JP",)))

    read = set(result.line_ids.values())
    assert {data.l1.pk, data.l2.pk} <= read
    assert not {other_product.pk, too_old.pk, used_up.pk} & read
    assert [e.ref for e in result.exports] == ["X-DEAR"]


def test_the_export_filter_selects_by_dates_destination_product_and_disposition(client_a):
    client_lines(client_a)
    ExportFactory(
        client=client_a,
        export_ref="X-BURNT",
        export_date=dt.date(2025, 10, 1),
        disposition="destroy",
        destination="",
        hts="6109100012",
    )
    ExportFactory(client=client_a, export_ref="X-BOLTS", hts="7318150000", uom="KG", destination="FR")

    def refs(**kw):
        return sorted(e.ref for e in inputs(client_a, export_filter=ExportFilter(**kw)).exports)

    assert refs(date_from=dt.date(2025, 7, 1), date_to=dt.date(2025, 8, 31)) == ["X-DEAR", "X-DIRECT"]
    assert refs(destinations=("DE", "CA")) == ["X-CANADA", "X-CHEAP", "X-DIRECT"]
    assert refs(product="7318") == ["X-BOLTS"]
    assert refs(disposition="destroy") == ["X-BURNT"]


def test_excluded_lines_and_exports_are_left_out_and_listed(client_a):
    data = client_lines(client_a)
    result = inputs(
        client_a, exclusions=Exclusions(lines=frozenset({data.l1.pk}), exports=frozenset({data.dear.pk}))
    )
    assert data.l1.pk not in result.line_ids.values()
    assert "X-DEAR" not in result.export_ids
    listed = {(x.subject, x.ref): x.reason for x in result.exclusions}
    assert listed[("line", f"{LineKey(data.l1.entry.entry_number, 1)}")] == "left out by the analyst"
    assert listed[("export", "X-DEAR")] == "left out by the analyst"


def test_a_pin_takes_its_quantity_first_and_fixes_the_lines_method(client_a):
    data = client_lines(client_a)
    result = inputs(client_a, pins=[Pin(data.l2.pk, data.dear.pk, Decimal("30"))])
    lines, exports = by_entry(result), {e.ref: e for e in result.exports}
    l2 = lines[data.l2.entry.entry_number]
    assert (l2.available, l2.election) == (Decimal("70"), Election.SUBSTITUTION)
    assert exports["X-DEAR"].available == Decimal("50")
    (pin,) = result.pinned
    assert (pin.export_ref, pin.provision, pin.quantity) == (
        "X-DEAR",
        Provision.UNUSED_SUBSTITUTION,
        Decimal("30"),
    )
    # 99% of 8.25 a unit, no lesser-of cut (X-DEAR's 120 a unit is above L2's 50): 30 x 8.1675.
    assert pin.amounts == {"364": Decimal("245.025")}


def test_a_pin_that_breaks_a_rule_is_dropped_with_its_reason(client_a):
    data = client_lines(client_a)
    result = inputs(
        client_a,
        pins=[
            Pin(data.l1.pk, data.canada.pk, Decimal("5")),  # substitution to Canada
            Pin(data.l2.pk, data.direct.pk, Decimal("5")),  # X-DIRECT names L3, not L2
            Pin(data.l2.pk, data.cheap.pk, Decimal("500")),  # more than the line has
        ],
    )
    assert result.pinned == []
    reasons = [x.reason for x in result.exclusions if x.subject == "pin"]
    assert "not an exportation" in reasons[0]
    assert "its goods came from that line" in reasons[1]
    assert "has 100 DOZ left, not 500" in reasons[2]


def test_pinned_designations_stay_in_the_proposal_and_the_rest_is_optimised_around_them(client_a, analyst):
    data = client_lines(client_a)
    # The optimum gives X-DEAR 80 of L1; pinning 30 of L2 to X-DEAR forces a different (worse) proposal.
    build = run_build(
        client_a, analyst, pins=[{"line": data.l2.pk, "export": data.dear.pk, "quantity": "30"}]
    )
    rows = rows_by_pair(build)
    pinned = rows[("X-DEAR", data.l2.entry.entry_number)]
    assert (pinned["quantity"], pinned["pinned_quantity"]) == ("30", "30")
    assert Decimal(rows[("X-DEAR", data.l1.entry.entry_number)]["quantity"]) == 50
    assert build.result["inputs"]["pins"] == 1
    # Every method in the comparison keeps the pin: the optimum is still at least as good as FIFO.
    refunds = {c["method"]: Decimal(c["refund"]) for c in build.result["comparison"]}
    assert refunds["optimal"] >= refunds["fifo"] and refunds["optimal"] < Decimal("1909.39")
