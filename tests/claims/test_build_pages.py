"""The claim building pages: form, progress, proposal, re-runs with exclusions and pins, saving; and the money
at risk page. Firm staff only, except money at risk, which a client user may see for their own company."""

import datetime as dt
import re

import pytest
import time_machine

from claims.models import Claim, ClaimBuild
from tests.claims.build_data import FILING, client_lines, designations, run_build

pytestmark = pytest.mark.django_db
S = ClaimBuild.Status


def start_from_form(client, django_capture_on_commit_callbacks, **fields):
    form = {"filing_date": FILING.isoformat(), "drawback_port": "1001", "method": "optimal", **fields}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/clients/acme/claims/build/", form)
    return response


def test_the_claims_tab_offers_building_a_claim_to_staff_only(client, client_a, analyst, client_user_a):
    client.force_login(analyst)
    assert b'href="/clients/acme/claims/build/"' in client.get("/clients/acme/claims/").content
    client.force_login(client_user_a)
    assert b"/claims/build/" not in client.get("/clients/acme/claims/").content


def test_the_form_lists_destinations_and_defaults_to_the_firms_office_and_the_optimum(
    client, client_a, analyst
):
    client_lines(client_a)
    client_a.firm.drawback_port = "3901"
    client_a.firm.save()
    client.force_login(analyst)
    html = client.get("/clients/acme/claims/build/").content.decode()
    for code in ("CA", "DE", "JP"):
        assert f'<option value="{code}">{code}</option>' in html
    assert re.search(r'<option value="3901" selected>', html)
    assert re.search(r'<option value="optimal" selected>', html)
    assert "4 exports with quantity not yet claimed" in html


def test_running_from_the_form_shows_the_proposal(
    client, client_a, analyst, django_capture_on_commit_callbacks
):
    client_lines(client_a)
    client.force_login(analyst)
    response = start_from_form(client, django_capture_on_commit_callbacks)
    build = ClaimBuild.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clients/acme/claims/build/{build.pk}/"

    html = client.get(response["Location"]).content.decode()
    build.refresh_from_db()
    assert (build.status, build.progress) == (S.DONE, 100)
    assert 'id="proposal-refund">$1,909.39' in html
    comparison = html[html.index('id="comparison"') :]
    assert re.search(r"FIFO</td><td class=\"num\">\$1,659.22</td><td class=\"num\">\$250.17", comparison)
    assert "Export X-DEAR" in html and "Export X-DIRECT" in html
    assert "destination CA: a (j)(2) substitution export there is not an exportation" in html
    assert "19 U.S.C. 1313(j)(2); 19 CFR 190.32(b)(1)" in html  # explanation steps carry their citations
    assert 'id="save-claims"' in html and "data-build-status" not in html


def test_a_running_build_shows_a_progress_bar_that_polls_its_status(client, client_a, analyst):
    client_lines(client_a)
    client.force_login(analyst)
    client.post(
        "/clients/acme/claims/build/",
        {"filing_date": "2026-11-26", "drawback_port": "1001", "method": "optimal"},
    )
    build = ClaimBuild.objects.get()  # queued: its task goes out once the transaction commits
    ClaimBuild.objects.filter(pk=build.pk).update(
        status=S.RUNNING, progress=41, groups_total=7, groups_done=3
    )

    html = client.get(f"/clients/acme/claims/build/{build.pk}/").content.decode()
    assert f'data-build-status="/clients/acme/claims/build/{build.pk}/status/"' in html
    assert '<progress max="100" value="41"' in html and "3 of 7" in html
    status = client.get(f"/clients/acme/claims/build/{build.pk}/status/").json()
    assert status == {
        "status": "running",
        "progress": 41,
        "groups_total": 7,
        "groups_done": 3,
        "message": "",
        "client": "acme",
    }


def test_excluding_a_line_runs_again_without_it(
    client, client_a, analyst, django_capture_on_commit_callbacks
):
    data = client_lines(client_a)
    build = run_build(client_a, analyst)
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/clients/acme/claims/build/{build.pk}/rerun/", {"action": "exclude_line", "line": data.l1.pk}
        )
    rerun = ClaimBuild.objects.latest("pk")
    assert response["Location"] == f"/clients/acme/claims/build/{rerun.pk}/"
    assert rerun.parameters["exclude_lines"] == [data.l1.pk] and rerun.status == S.DONE
    assert data.l1.pk not in {r["line_id"] for r in designations(rerun)}
    html = client.get(response["Location"]).content.decode()
    assert f"Left out: {data.l1.entry.display_number} line 1" in html
    assert "left out by the analyst" in html

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/clients/acme/claims/build/{rerun.pk}/rerun/", {"action": "include_line", "line": data.l1.pk}
        )
    assert ClaimBuild.objects.latest("pk").result["refund"] == "1909.39"


def test_pinning_a_designation_keeps_it_in_the_next_run(
    client, client_a, analyst, django_capture_on_commit_callbacks
):
    data = client_lines(client_a)
    build = run_build(client_a, analyst)
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/clients/acme/claims/build/{build.pk}/rerun/",
            {"action": "pin", "line": data.l2.pk, "export": data.cheap.pk, "quantity": "30.0000"},
        )
    pinned = ClaimBuild.objects.latest("pk")
    assert pinned.parameters["pins"] == [{"line": data.l2.pk, "export": data.cheap.pk, "quantity": "30"}]
    row = next(r for r in designations(pinned) if r["line_id"] == data.l2.pk)
    assert (row["export_ref"], row["pinned_quantity"]) == ("X-CHEAP", "30")
    html = client.get(f"/clients/acme/claims/build/{pinned.pk}/").content.decode()
    assert "pinned 30" in html and "Unpin" in html


def test_saving_from_the_page_shows_its_progress_and_ends_on_the_saved_claims(
    client, client_a, analyst, reviewer, django_capture_on_commit_callbacks
):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    client.force_login(analyst)
    page = f"/clients/acme/claims/build/{build.pk}/"
    # The request only asks for the save (the worker takes it when the request's transaction commits).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page}save/", follow=True)
        html = response.content.decode()
        assert "Saving the proposal as draft claims; its progress shows below." in html
        assert 'id="save-progress"' in html and "data-job-status" in html and 'id="save-claims"' not in html
        assert not Claim.objects.exists()
        # Meanwhile a second save, by anyone, is refused with the reason.
        client.force_login(reviewer)
        refused = client.post(f"{page}save/", follow=True).content.decode()
        assert "This proposal is already being saved (asked for by alice at " in refused
        client.force_login(analyst)
    claims = list(Claim.objects.order_by("provision"))
    assert [c.provision for c in claims] == ["58", "59"]
    html = client.get(page).content.decode()
    assert "Saved as 2 draft claim(s): " in html  # told once, on the page the save ends on
    assert 'id="saved-claims"' in html and "data-job-status" not in html
    for claim in claims:
        assert f'href="/clients/acme/claims/{claim.pk}/">Claim {claim.display_number}</a>' in html
    assert "Saved as 2 draft claim(s): " not in client.get(page).content.decode()
    again = client.post(f"{page}save/", follow=True)
    assert "already been saved" in again.content.decode() and Claim.objects.count() == 2


def test_a_failed_save_shows_its_reason_and_saves_nothing(
    client, client_a, analyst, django_capture_on_commit_callbacks
):
    client_lines(client_a)
    dear = run_build(client_a, analyst, destinations=["JP"])
    cheap = run_build(client_a, analyst, destinations=["DE"])
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/clients/acme/claims/build/{dear.pk}/save/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/clients/acme/claims/build/{cheap.pk}/save/")
    html = client.get(f"/clients/acme/claims/build/{cheap.pk}/").content.decode()
    assert "Nothing was saved: " in html and "line 1: 50 DOZ needed but only 20 available" in html
    assert 'id="save-claims"' in html  # the proposal as it was, with its actions
    assert Claim.objects.count() == 1 and ClaimBuild.objects.get(pk=cheap.pk).status == S.DONE


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/clients/acme/claims/build/"),
        ("post", "/clients/acme/claims/build/"),
        ("get", "/clients/acme/claims/build/{pk}/"),
        ("get", "/clients/acme/claims/build/{pk}/status/"),
        ("post", "/clients/acme/claims/build/{pk}/rerun/"),
        ("post", "/clients/acme/claims/build/{pk}/save/"),
    ],
)
def test_client_users_do_not_find_build_pages_even_for_their_own_company(
    client, client_a, analyst, client_user_a, method, path
):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    client.force_login(client_user_a)
    response = getattr(client, method)(path.format(pk=build.pk), {"filing_date": "2026-11-26"})
    assert response.status_code == 404
    assert not Claim.objects.exists() and ClaimBuild.objects.count() == 1


@time_machine.travel(dt.datetime(2026, 11, 26, 15, tzinfo=dt.UTC), tick=False)
def test_money_at_risk_page_shows_buckets_and_lines_to_the_client_user_too(client, client_a, client_user_a):
    from imports.models import TariffLine
    from tests.claims.test_build_money_at_risk import line
    from tests.factories import ExportFactory

    TariffLine.objects.create(hts="61091000", description="Of cotton", general_rate="10%")
    soon = line(client_a, "2021-12-10")
    ExportFactory(
        client=client_a, export_ref="X-RISK", export_date=dt.date(2022, 9, 1), value=5000, quantity=25
    )
    client.force_login(client_user_a)
    html = client.get("/clients/acme/money-at-risk/").content.decode()
    assert 'data-bucket="30"' in html and "$99.00" in html and "0–30 days: 1 line" in html
    assert f"{soon.entry.display_number} line {soon.line_number}" in html
    assert "2026-12-09" in html  # last export day
    assert "Build a claim" not in html  # client users read only
