"""`designate_types` and the type choice page: the choice per export, its explanation and the alternative it
beat, for firm staff only."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from claims.models import Designation
from imports.models import ImportLine

from .helpers import manufacturer

pytestmark = pytest.mark.django_db


def test_designate_types_writes_the_designations_and_the_choices(client_a, tmp_path):
    manufacturer(client_a)
    out, choices = tmp_path / "types.csv", tmp_path / "choices.csv"
    stdout = StringIO()
    before = list(ImportLine.objects.values_list("quantity_available", flat=True))

    call_command(
        "designate_types",
        "--client",
        "acme",
        "--filing-date",
        "2026-12-01",
        "--out",
        str(out),
        "--choices",
        str(choices),
        stdout=stdout,
    )

    summary = json.loads(stdout.getvalue().splitlines()[-1])
    assert (summary["refund"], summary["exports"], summary["rows"]) == ("1357.60", 3, 4)
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["export_ref"], r["type"], r["provision"]) for r in rows} == {
        ("X20250310000401", "manufacturing", "51"),
        ("X20250310000401", "manufacturing", "52"),
        ("X20250915000302", "unused", "59"),
        ("X20251120000020", "unused", "58"),
    }
    plastic = next(r for r in rows if r["provision"] == "51")
    # 400 ovens x 4 kg used are designated; drawback is allowed on 4 - 0.4 x 0.50 / 2.90 kg an oven.
    assert (
        plastic["entry_number"],
        plastic["lot"],
        plastic["basis"],
        plastic["quantity"],
        plastic["allowable_quantity"],
    ) == ("M4K-4100001-5", "LOT-2401", "02", "1600", "1572.4137")
    with open(choices, newline="") as handle:
        made = {r["export_ref"]: r for r in csv.DictReader(handle)}
    assert made["X20250310000401"]["alternative"] == "unused"
    assert made["X20250310000401"]["choice_earns"] == "82.05"
    assert made["X20250310000401"]["alternative_basis"] == "whole_claim"
    assert made["X20251120000020"]["alternative"] == "rejected"
    assert (
        "X20250310000401: manufacturing 372.75; beat unused by 82.05 (the whole claim re-optimised)"
        in stdout.getvalue()
    )
    # Nothing stored changes.
    assert list(ImportLine.objects.values_list("quantity_available", flat=True)) == before
    assert not Designation.objects.exists()


def test_designate_types_says_when_the_alternative_is_the_claim_with_only_that_export_changed(
    client_a, tmp_path
):
    manufacturer(client_a)
    choices, stdout = tmp_path / "choices.csv", StringIO()

    call_command(
        "designate_types",
        *("--client", "acme", "--filing-date", "2026-12-01", "--out", str(tmp_path / "types.csv")),
        *("--choices", str(choices), "--alternative-basis", "this_export"),
        stdout=stdout,
    )

    with open(choices, newline="") as handle:
        made = {r["export_ref"]: r for r in csv.DictReader(handle)}
    assert (made["X20250310000401"]["alternative"], made["X20250310000401"]["alternative_basis"]) == (
        "unused",
        "this_export",
    )
    assert "X20250310000401: manufacturing 372.75; beat unused by " in stdout.getvalue()
    assert "(the same claim with only this export changed)" in stdout.getvalue()
    assert json.loads(stdout.getvalue().splitlines()[-1])["refund"] == "1357.60"


def test_designate_types_refuses_an_unknown_client_or_date(client_a, tmp_path):
    with pytest.raises(CommandError, match="no client"):
        call_command(
            "designate_types", "--client", "zz", "--filing-date", "2026-12-01", "--out", str(tmp_path / "x")
        )
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command(
            "designate_types", "--client", "acme", "--filing-date", "12/01/2026", "--out", str(tmp_path / "x")
        )


@pytest.fixture
def choose(client, django_capture_on_commit_callbacks):
    """Ask for the choice from the page; its job runs once the request's transaction commits (as a worker
    would), and the page it leads to is read after."""

    def ask(filing_date="2026-12-01", code="acme"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("claims:types-run", args=[code]), {"filing_date": filing_date})
        if response.status_code != 302:
            return response
        return client.get(response["Location"])

    return ask


@pytest.fixture
def save(client, django_capture_on_commit_callbacks):
    def ask(run_pk, code="acme"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("claims:types-save", args=[code]), {"run": run_pk})
        if response.status_code != 302:
            return response
        return client.get(response["Location"])

    return ask


def test_the_type_choice_page_shows_the_choice_and_the_alternative(client, client_a, analyst, choose):
    manufacturer(client_a)
    client.force_login(analyst)
    before = client.get(reverse("claims:types", args=["acme"])).content.decode()
    assert "have not been chosen yet" in before and "Save as draft claims" not in before

    page = choose()

    assert page.status_code == 200
    html = page.content.decode()
    assert "Chose the drawback type of 3 export(s) for filing on 2026-12-01" in html
    assert 'data-export="X20250310000401" data-type="manufacturing"' in html
    assert (
        "Unused merchandise (1313(j)): the claims would refund $1,275.55, $82.05 less "
        '<span class="help basis">(the whole claim re-optimised)</span>'
    ) in html
    assert "The alternative each export beat: the whole claim re-optimised (every export" in html
    assert "only this export changed" not in html
    assert "ruling H301234 in force from 2024-01-01" in html
    assert 'data-export="X20251120000020" data-type="unused"' in html
    assert "$1,357.60" in html
    assert "by alice, for filing on 2026-12-01, on 3 exports" in html
    assert "Save as draft claims" in html and "types-stale" not in html
    build = client.get(reverse("claims:build", args=["acme"])).content.decode()
    assert reverse("claims:types", args=["acme"]) in build


def test_a_bad_filing_date_says_so_and_chooses_nothing(client, client_a, analyst, choose):
    from claims.models import TypeChoiceRun

    client.force_login(analyst)
    page = choose(filing_date="soon")
    assert page.status_code == 200 and "must be a date YYYY-MM-DD" in page.content.decode()
    assert not TypeChoiceRun.objects.exists()


def test_client_users_do_not_see_the_type_choice(client, client_a, client_user_a, choose, save):
    client.force_login(client_user_a)
    assert client.get(reverse("claims:types", args=["acme"])).status_code == 404
    assert choose().status_code == 404
    assert save(1).status_code == 404


def test_saving_the_choice_makes_draft_claims_per_provision_that_pass_their_records_checks(
    client, client_a, analyst, choose, save
):
    from claims.models import Claim, TypeChoiceRun
    from claims.preflight import claim_preflight

    manufacturer(client_a)
    client.force_login(analyst)
    choose()
    run = TypeChoiceRun.objects.get()

    html = save(run.pk).content.decode()

    assert "Saved as 4 draft claim(s)" in html
    claims = {c.provision: c for c in Claim.objects.filter(client=client_a)}
    assert set(claims) == {"51", "52", "58", "59"}
    for claim in claims.values():  # the page links to each saved claim
        assert reverse("claims:detail", args=["acme", claim.pk]) in html
    assert "Save as draft claims</button>" not in html
    assert {str(t.claim_amount) for t in claims["51"].class_totals.all()} == {"140.10"}
    plastic = claims["51"].designations.get()
    assert plastic.manufacture == {
        "lot": "LOT-2401",
        "component": "3923900080",
        "basis": "02",
        "ruling": "H301234",
        "allowable": "1572.4137931034482758620689655172413793103448275862",
    }
    # The quantity used is taken from the line, not only the part net of waste (19 CFR 190.26(c)).
    assert (plastic.method, str(plastic.quantity)) == ("direct", "1600.0000")
    line = plastic.import_line
    line.refresh_from_db()
    assert (line.designation_method, str(line.quantity_available)) == ("direct", "6400.0000")
    import datetime as dt

    for provision in ("51", "52"):
        issues = claim_preflight(claim=claims[provision], on=dt.date(2026, 12, 1))
        assert not [i for i in issues if i.rule in ("MFG-LOT", "CFR-190.8", "CFR-190.51-BOM")], issues
    # The quantities are taken: what is left of the exports is all that a new choice could claim.
    from exports.models import Export

    left = dict(Export.objects.filter(client=client_a).values_list("export_ref", "quantity_available"))
    assert {k: str(v) for k, v in left.items()} == {
        "X20250310000401": "0.0000",
        "X20250915000302": "200.0000",
        "X20251120000020": "0.0000",
    }
    # Saving it a second time is refused, and saves nothing more.
    assert "already been saved" in save(run.pk).content.decode()
    assert Claim.objects.filter(client=client_a).count() == 4


def test_a_rejected_merchandise_claim_is_saved_and_passes_pre_flight(client_a, analyst):
    import datetime as dt

    from claims.manufacturing.services import type_choice_save
    from claims.models import Claim
    from claims.preflight import claim_preflight
    from exports.models import Export

    manufacturer(client_a)
    # The returned goods' records do not show them unused: only 1313(c) is open to them.
    from claims.models import RejectedReturn

    RejectedReturn.objects.update(unused=False)
    type_choice_save(client=client_a, user=analyst, filing_date=dt.date(2026, 12, 1))

    claim = Claim.objects.get(client=client_a, provision="55")
    assert claim.designations.get().export == Export.objects.get(export_ref="X20251120000020")
    assert {str(t.claim_amount) for t in claim.class_totals.all()} == {"171.07"}
    errors = [i for i in claim_preflight(claim=claim, on=dt.date(2026, 12, 1)) if i.is_error]
    assert errors == []
    RejectedReturn.objects.update(proof="")
    errors = [i for i in claim_preflight(claim=claim, on=dt.date(2026, 12, 1)) if i.is_error]
    assert [i.rule for i in errors] == ["CFR-190.42"] and "no proof" in errors[0].message


def test_withdrawing_the_manufacturing_claims_gives_the_quantities_back(client_a, analyst):
    import datetime as dt

    from claims.lifecycle import claim_transition
    from claims.manufacturing.services import type_choice_save
    from claims.models import Claim
    from exports.models import Export

    manufacturer(client_a)
    before_lines = dict(ImportLine.objects.values_list("pk", "quantity_available"))
    type_choice_save(client=client_a, user=analyst, filing_date=dt.date(2026, 12, 1))
    ovens = Export.objects.get(export_ref="X20250310000401")
    assert ovens.quantity_available == 0
    # The export's 400 articles are held once, by one designation of one of its two claims.
    held = [
        d.export_quantity for c in ("51", "52") for d in Claim.objects.get(provision=c).designations.all()
    ]
    assert sorted(held) == [0, 400]

    for provision in ("51", "52"):
        claim_transition(claim=Claim.objects.get(provision=provision), to="withdrawn", by=analyst)

    ovens.refresh_from_db()
    assert ovens.quantity_available == 400
    after = dict(ImportLine.objects.values_list("pk", "quantity_available"))
    changed = {pk for pk in after if after[pk] != before_lines[pk]}
    # Only the lines of the unused-merchandise claims (still drafts) stay held.
    still = {d.import_line_id for d in Designation.objects.filter(claim__provision__in=("58", "59"))}
    assert changed == still
