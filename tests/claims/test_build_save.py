"""Saving a proposal: draft claims per provision, their numbers and check digits, class totals, the split at
the ACE record limits, and the quantities taken through the ledger."""

from decimal import Decimal

import pytest

from claims.building import services, split
from claims.building.numbers import claim_numbers_allocate
from claims.catair import claim_to_catair, parse_catair, validate_claim_file
from claims.models import Claim, ClaimBuild, Designation
from claims.preflight import claim_preflight
from drawback.lib.entry_numbers import check_digit, make, parse
from exports.models import Export
from imports.models import ImportLine
from tests.claims.build_data import FILING, client_lines, run_build
from tests.factories import ClaimFactory, ExportFactory

pytestmark = pytest.mark.django_db
S = ClaimBuild.Status


def test_saving_makes_one_draft_claim_per_provision_numbered_from_the_firms_sequence(client_a, analyst):
    data = client_lines(client_a)
    build = run_build(client_a, analyst, drawback_port="3901")
    claims = services.claim_build_save(build=build, user=analyst)

    assert [(c.provision, c.number) for c in claims] == [("58", "HDS00000010"), ("59", "HDS00000028")]
    for claim in claims:
        parsed = parse(claim.number)  # the check digit is right (CATAIR App. E)
        assert parsed.filer == "HDS"
        assert (claim.status, claim.client, claim.preparer, claim.drawback_port) == (
            Claim.Status.DRAFT,
            client_a,
            analyst,
            "3901",
        )
        assert claim.build_id == build.pk
    direct, substitution = claims
    assert list(direct.designations.values_list("export__export_ref", "method", "quantity")) == [
        ("X-DIRECT", "direct", Decimal("10"))
    ]
    assert sorted(
        substitution.designations.values_list("export__export_ref", "import_line_id", "quantity")
    ) == [
        ("X-CHEAP", data.l1.pk, Decimal("20")),
        ("X-CHEAP", data.l2.pk, Decimal("30")),
        ("X-DEAR", data.l1.pk, Decimal("80")),
    ]
    # Each class rounded once over the claim, half-up (product decision 6): 364 sums to 1,715.175.
    assert dict(substitution.class_totals.values_list("accounting_class", "claim_amount")) == {
        "364": Decimal("1715.18"),
        "399": Decimal("30.86"),
    }
    assert list(direct.class_totals.values_list("accounting_class", "claim_amount", "calculated_amount")) == [
        ("364", Decimal("163.35"), Decimal("163.35"))
    ]
    dear = substitution.designations.get(export__export_ref="X-DEAR")
    assert (dear.entered_value_per_unit, dear.substituted_value_per_unit) == (Decimal("100"), Decimal("120"))
    assert dear.refund == Decimal("1334.234880")
    assert dear.amounts["364"] == {"claim": "1306.80000", "calculated": "1306.80000"}
    assert dear.explanation[0]["citation"].startswith("19 U.S.C. 1313(j)(2)")
    build.refresh_from_db()
    assert build.status == S.SAVED and set(build.claims.all()) == set(claims)


def test_saved_claims_pass_the_amount_checks_of_pre_flight(client_a, analyst):
    client_lines(client_a)
    claims = services.claim_build_save(build=run_build(client_a, analyst), user=analyst)
    for claim in claims:
        amount_rules = {"PF-12", "PF-13", "PF-14", "PF-19"}
        errors = [i for i in claim_preflight(claim=claim, on=FILING) if i.is_error and i.rule in amount_rules]
        assert errors == [], errors


def test_the_ledger_holds_the_saved_quantities(client_a, analyst):
    data = client_lines(client_a)
    services.claim_build_save(build=run_build(client_a, analyst), user=analyst)
    lines = {x.pk: x for x in ImportLine.objects.filter(client=client_a)}
    assert (lines[data.l1.pk].quantity_available, lines[data.l1.pk].designation_method) == (0, "substitution")
    assert (lines[data.l2.pk].quantity_available, lines[data.l2.pk].designation_method) == (
        70,
        "substitution",
    )
    assert (lines[data.l3.pk].quantity_available, lines[data.l3.pk].designation_method) == (10, "direct")
    exports = dict(Export.objects.filter(client=client_a).values_list("export_ref", "quantity_available"))
    assert exports == {"X-CHEAP": 0, "X-DEAR": 0, "X-DIRECT": 0, "X-CANADA": 10}


def test_a_proposal_is_saved_once(client_a, analyst):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    services.claim_build_save(build=build, user=analyst)
    with pytest.raises(services.BuildError, match="already been saved"):
        services.claim_build_save(build=build, user=analyst)
    assert Claim.objects.count() == 2


def test_a_save_after_another_claim_took_the_quantity_fails_cleanly_naming_the_line(client_a, analyst):
    data = client_lines(client_a)
    dear_only = run_build(client_a, analyst, destinations=["JP"])  # 80 of L1
    cheap_only = run_build(client_a, analyst, destinations=["DE"])  # 50 of L1 to X-CHEAP, and X-DIRECT
    services.claim_build_save(build=dear_only, user=analyst)

    with pytest.raises(services.BuildError) as refused:
        services.claim_build_save(build=cheap_only, user=analyst)

    entry = data.l1.entry.display_number
    assert str(refused.value) == (
        f"Nothing was saved: entry {entry} line 1: 50 DOZ needed but only 20 available; it was designated on "
        "another claim meanwhile (19 U.S.C. 1313(v)). Run the build again to designate what is available now."
    )
    cheap_only.refresh_from_db()
    assert cheap_only.status == S.DONE and not cheap_only.claims.exists()
    assert Claim.objects.count() == 1 and Designation.objects.count() == 1
    data.l3.refresh_from_db()
    assert (data.l3.quantity_available, data.l3.designation_method) == (20, "")  # X-DIRECT not taken either


def test_the_sequence_continues_after_numbers_already_used_and_applies_the_check_digit_offset(
    client_a, analyst
):
    ClaimFactory(client=client_a, preparer=analyst, number=make("HDS", 4))  # used outside builds
    firm = client_a.firm
    assert claim_numbers_allocate(firm=firm, count=2) == [make("HDS", 5), make("HDS", 6)]
    firm.claim_check_digit_offset = 3
    firm.save()
    (number,) = claim_numbers_allocate(firm=firm, count=1)
    assert number[:10] == "HDS0000007" and int(number[10]) == (check_digit("HDS", "0000007") + 3) % 10
    # A number taken by hand in the range the sequence reaches next is skipped, not reused.
    ClaimFactory(client=client_a, preparer=analyst, number=make("HDS", 8))
    assert claim_numbers_allocate(firm=firm, count=1)[0][:10] == "HDS0000009"


def test_a_claim_over_the_record_limits_is_split_keeping_each_export_whole(client_a, analyst, monkeypatch):
    data = client_lines(client_a)
    # Two more substitution exports, so the substitution claim has four exports.
    for ref, day in (("X-MORE1", "2025-10-01"), ("X-MORE2", "2025-11-01")):
        ExportFactory(
            client=client_a,
            export_ref=ref,
            export_date=day,
            hts="6109100012",
            uom="DOZ",
            quantity=Decimal("5"),
            value=Decimal("500"),
            destination="JP",
        )
    build = run_build(client_a, analyst)
    monkeypatch.setattr(split, "MAX_EXPORTS", 2)

    claims = services.claim_build_save(build=build, user=analyst)

    by_claim = [
        (c.provision, sorted(set(c.designations.values_list("export__export_ref", flat=True))))
        for c in claims
    ]
    assert by_claim == [
        ("58", ["X-DIRECT"]),
        ("59", ["X-CHEAP", "X-DEAR"]),
        ("59", ["X-MORE1", "X-MORE2"]),
    ]
    assert len({c.number for c in claims}) == 3
    assert "part 2 of 2" in claims[2].notes
    # Totals are per claim, each class rounded once over that claim.
    first = claims[1]
    assert first.class_totals.get(accounting_class="364").claim_amount == Decimal("1715.18")
    held = sum(Designation.objects.filter(import_line=data.l1).values_list("quantity", flat=True))
    assert held == 100 - ImportLine.objects.get(pk=data.l1.pk).quantity_available


def row(line, export, *, provision="59", svu="1.0", disposition="export"):
    return {
        "line_id": line,
        "export_id": export,
        "export_ref": f"X{export}",
        "export_date": f"2025-01-{export:02d}",
        "entry_number": "B7600000000",
        "line_number": line,
        "provision": provision,
        "method": "direct" if provision == "58" else "substitution",
        "disposition": disposition,
        "substituted_value_per_unit": svu,
    }


def test_split_counts_import_groupings_as_the_claim_file_does():
    rows = [row(1, 1), row(2, 1), row(1, 2), row(1, 3, svu="2.0"), row(3, 4, disposition="destroy")]
    claims = split.split_into_claims(rows, max_imports=3)
    # Export 1: lines 1, 2; export 2 adds nothing new; export 3 adds line 1 at another SVU (3 groupings);
    # export 4's destruction of line 3 would make a fourth: a new claim.
    assert [[r["export_id"] for r in c] for _, c in claims] == [[1, 1, 2, 3], [4]]
    with pytest.raises(split.SplitError, match="export X1 alone needs 2 import groupings"):
        split.split_into_claims(rows, max_imports=1)
    assert [p for p, _ in split.split_into_claims([*rows, row(5, 9, provision="58")])] == ["58", "59"]


def test_excepted_goods_to_canada_or_mexico_are_claimed_under_77_and_others_there_not_at_all(
    client_a, analyst
):
    client_lines(client_a)
    common = {"client": client_a, "hts": "6109100012", "uom": "DOZ", "export_date": "2025-08-01"}
    ExportFactory(
        export_ref="X-CA",
        quantity=Decimal("5"),
        value=Decimal("600"),
        destination="CA",
        excepted_goods=True,
        **common,
    )
    ExportFactory(export_ref="X-MX", quantity=Decimal("5"), value=Decimal("600"), destination="MX", **common)
    ExportFactory(
        export_ref="X-CL",
        quantity=Decimal("5"),
        value=Decimal("600"),
        destination="CL",
        excepted_goods=True,
        **common,
    )
    claims = services.claim_build_save(build=run_build(client_a, analyst), user=analyst)

    by_provision = {c.provision: c for c in claims}
    assert sorted(by_provision) == ["58", "59", "77"]
    usmca = by_provision["77"]
    assert set(usmca.designations.values_list("export__export_ref", flat=True)) == {"X-CA"}
    assert sum(usmca.designations.values_list("quantity", flat=True)) == Decimal("5")
    assert usmca.designations.first().method == "substitution"
    # Chile has no exceptions code: its excepted goods stay under 59. Mexico without the mark: no claim.
    refs = set(by_provision["59"].designations.values_list("export__export_ref", flat=True))
    assert "X-CL" in refs and "X-MX" not in refs
    for claim in claims:
        assert [i for i in claim_preflight(claim=claim, on=FILING) if i.rule == "PF-17"] == []
    # The 77 claim's file is clean and says 77.
    text = claim_to_catair(claim=usmca, transmission_date=FILING)
    assert validate_claim_file(text) == []
    assert parse_catair(text).claims[0].header.provision == "77"


def test_internal_revenue_taxes_are_claimed_under_365_on_direct_identification_only(client_a, analyst):
    data = client_lines(client_a)
    ImportLine.objects.filter(pk__in=[data.l1.pk, data.l3.pk]).update(other_taxes=Decimal("40.00"))
    direct, substitution = services.claim_build_save(build=run_build(client_a, analyst), user=analyst)

    # 10 of l3's 20 units by direct identification: 99% x 40.00 x 10/20.
    assert direct.class_totals.get(accounting_class="365").claim_amount == Decimal("19.80")
    # l1 serves substitution: its taxes are limited to those paid on the substituted goods, unknown here.
    assert not substitution.class_totals.filter(accounting_class="365").exists()
    text = claim_to_catair(claim=direct, transmission_date=FILING)
    assert validate_claim_file(text) == []
    assert [
        i for i in claim_preflight(claim=direct, on=FILING) if i.is_error and i.rule.startswith("PF-1")
    ] == []
