"""A manufacturer's claim in a real browser, with a real Celery worker: the analyst uploads the bill of
materials and the production records, opens the drawback type per export from the claim builder, chooses
the types (a job whose progress the page follows), sees manufacturing chosen where it pays more (with the
alternative it beat), saves the choice as draft claims (a second job), and the manufacturing claim passes
pre-flight."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from drawback.accounts.models import Privilege
from tests.test_browser_upload_flow import log_in

from .helpers import SAMPLES, load, load_samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page, live_server, path):
    page.goto(f"{live_server.url}/clients/acme/uploads/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r".*/clients/acme/uploads/\d+/"))
    expect(page.locator("[data-field=status]")).to_have_text("Loaded", timeout=30_000)


def test_analyst_builds_a_manufacturing_claim_that_passes_pre_flight(
    live_server, live_worker, page, analyst, client_a
):
    load("hts", SAMPLES.parents[2] / "tests" / "fixtures" / "hts_sample.csv", None)
    load_samples(client_a, ("imports", "exports"))
    for kind, reference in (
        (Privilege.Kind.MANUFACTURING_RULING, "H301234"),
        (Privilege.Kind.WAIVER_PRIOR_NOTICE, "WPN-2024-7"),
    ):
        Privilege.objects.create(
            client=client_a,
            kind=kind,
            reference=reference,
            ruling_type=Privilege.RulingType.SPECIFIC if kind == Privilege.Kind.MANUFACTURING_RULING else "",
            granted_on=dt.date(2024, 1, 1),
        )
    log_in(page, live_server, analyst.username)

    for name in ("bom.csv", "production.csv", "returns.csv"):
        upload(page, live_server, SAMPLES / name)

    page.goto(f"{live_server.url}/clients/acme/claims/build/")
    page.get_by_role("link", name="Drawback type per export").click()
    page.wait_for_url(re.compile(r".*/clients/acme/claims/types/"))
    expect(page.locator("#types-none")).to_be_visible()
    # Every status the progress bar polls while the worker chooses, then saves.
    polled = []

    def watch(response):
        if "/jobs/" in response.url and response.url.endswith("/status/") and response.ok:
            polled.append(response.json())

    page.on("response", watch)

    page.get_by_label("Filing date").fill("2026-12-01")
    page.get_by_role("button", name="Choose drawback types").click()
    # Asked for: the page says the worker has it, shows its progress, and reloads on the result.
    expect(page.get_by_text("Choosing the drawback types; the progress shows below.")).to_be_visible()
    ovens = page.locator('tr[data-export="X20250310000401"]')
    expect(ovens).to_have_attribute("data-type", "manufacturing", timeout=60_000)
    told = "Chose the drawback type of 3 export(s) for filing on 2026-12-01"
    expect(page.get_by_text(told)).to_be_visible()
    expect(ovens.locator("td.alternative")).to_contain_text("Unused merchandise (1313(j))")
    expect(ovens.locator("td.alternative")).to_contain_text("less")
    expect(page.locator("#types-refund")).to_have_text("$1,357.60")
    expect(page.locator('#type-totals tr[data-type="manufacturing"]')).to_be_visible()

    page.get_by_role("button", name="Save as draft claims").click()
    waiting = "Saving the type choice as draft claims; the progress shows below."
    expect(page.get_by_text(waiting)).to_be_visible()
    expect(page.locator("#types-saved")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Saved as 4 draft claim(s)")).to_be_visible()
    kinds = [job["kind"] for job in polled]
    assert set(kinds) <= {"type_choice", "type_save"}
    for kind in set(kinds):  # what the bar showed only moved forward, to the end
        progress = [job["progress"] for job in polled if job["kind"] == kind]
        assert progress == sorted(progress) and progress[-1] == 100

    claim = Claim.objects.get(client=client_a, provision="51")
    page.locator("#types-saved").get_by_role("link", name=re.compile(r"\(51\)")).click()
    page.wait_for_url(re.compile(rf".*/clients/acme/claims/{claim.pk}/$"))
    page.get_by_role("button", name="Run pre-flight and validate").click()
    expect(page.locator("body")).to_contain_text("Validated (pre-flight passed)")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.VALIDATED
