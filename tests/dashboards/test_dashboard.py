"""The client's dashboard: claims by stage with links, money received per month and year (bills netted),
claimed and not yet paid, liquidated against claimed per class, the projection with its basis, what the
optimizer gained, what is needed from the client; the PDF and Excel; and the role split (client users see
no review comments, draft builds or acknowledged warnings)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from claims.cbp.models import CbpRequest, Liquidation, Payment
from claims.models import Claim, ClaimBuild, ClientEstimate, Finding, Notification
from dashboards import charts, figures
from reviews.services import LineComment, review_return, review_start
from tests.factories import ClaimFactory, build_claim

pytestmark = pytest.mark.django_db
D = Decimal
NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _at_now():
    """The clock stands at NOW from before the other fixtures create the claims (an autouse fixture is set
    up first), so what they record is dated NOW too, whatever day the suite runs on."""
    with time_machine.travel(NOW, tick=False):
        yield


def claim_with(client, status, amount, *, filed=None, **kw):
    claim = ClaimFactory(client=client, status=status, **kw)
    claim.class_totals.create(accounting_class="364", claim_amount=D(amount), calculated_amount=D(amount))
    if filed:
        Claim.objects.filter(pk=claim.pk).update(filed_on=filed)
        claim.refresh_from_db()
    return claim


def pay(claim, kind, day, total, amounts=None):
    Payment.objects.create(
        claim=claim, kind=kind, paid_on=day, total=D(total), amounts=amounts or {"364": total}
    )


@pytest.fixture
def history(client_a):
    """A draft, a claim in review, one accepted, one paid by accelerated payment, one liquidated below
    the claim and settled by a bill, one closed."""
    S = Claim.Status
    claim_with(client_a, S.DRAFT, "100.00")
    claim_with(client_a, S.FIRST_REVIEW, "200.00")
    accepted = claim_with(client_a, S.ACCEPTED, "1000.00", filed=dt.date(2026, 11, 20))
    paid = claim_with(
        client_a, S.ACCELERATED_PAID, "2000.00", filed=dt.date(2026, 10, 1), accelerated_payment=True
    )
    pay(paid, "accelerated", dt.date(2026, 10, 25), "2000.00")
    billed = claim_with(
        client_a, S.LIQUIDATED, "3000.00", filed=dt.date(2025, 10, 1), accelerated_payment=True
    )
    pay(billed, "accelerated", dt.date(2025, 10, 28), "3000.00")
    Liquidation.objects.create(
        claim=billed, liquidated_on=dt.date(2026, 9, 1), total=D("2850.00"), amounts={"364": "2850.00"}
    )
    pay(billed, "bill", dt.date(2026, 10, 2), "150.00")
    closed = claim_with(client_a, S.CLOSED, "500.00", filed=dt.date(2025, 1, 10))
    Liquidation.objects.create(
        claim=closed, liquidated_on=dt.date(2025, 11, 1), total=D("500.00"), amounts={"364": "500.00"}
    )
    pay(closed, "liquidation_refund", dt.date(2025, 12, 1), "500.00")
    return {"accepted": accepted, "paid": paid, "billed": billed, "closed": closed}


def test_pipeline_money_and_classes(client_a, history):
    board = figures.client_dashboard(client=client_a)
    stages = {s.key: (s.count, s.amount) for s in board.pipeline}
    assert stages == {
        "preparation": (1, D("100.00")),
        "review": (1, D("200.00")),
        "filed": (0, D("0")),
        "accepted": (1, D("1000.00")),
        "accelerated_paid": (1, D("2000.00")),
        "liquidated": (1, D("3000.00")),
        "closed": (1, D("500.00")),
    }
    money = board.money
    assert [(y.year, y.received) for y in money.years] == [
        (2025, D("3500.00")),
        (2026, D("1850.00")),
    ]  # October 2026: 2,000 less the 150 bill
    october = next(m for m in money.months if m.month == dt.date(2026, 10, 1))
    assert (october.accelerated, october.bills, october.net) == (D("2000.00"), D("150.00"), D("1850.00"))
    # With CBP and not paid: the accepted claim (1,000); the paid ones owe nothing.
    assert (money.outstanding, money.outstanding_claims) == (D("1000.00"), 1)
    (cls,) = money.classes
    assert (cls.code, cls.claimed, cls.liquidated, cls.difference) == (
        "364",
        D("3500.00"),
        D("3350.00"),
        D("-150.00"),
    )
    assert money.liquidated_claims == 2


def test_dashboard_api_gives_the_same_figures(api, client_a, client_user_a, history):
    api.force_login(client_user_a)
    data = api.get("/api/v1/clients/acme/dashboard/").json()
    assert {s["key"]: s["count"] for s in data["pipeline"]}["liquidated"] == 1
    years = [{"year": 2025, "received": "3500.00"}, {"year": 2026, "received": "1850.00"}]
    assert data["money"]["years"] == years
    assert data["money"]["outstanding"] == "1000.00"
    assert data["money"]["classes"][0]["difference"] == "-150.00"
    assert len(data["projected_months"]) == 18
    assert [a["horizon"] for a in data["track_record"]["accuracy"]] == [1, 2, 3, 6]
    projection = api.get("/api/v1/clients/acme/projections/").json()
    assert projection["items"] and all(item["basis"] for item in projection["items"])
    accepted = next(i for i in projection["items"] if i["claim_id"] == history["accepted"].pk)
    assert accepted["kind"] == "liquidation" and accepted["amount"] == "1000.00"


def test_dashboard_page_links_each_stage_to_its_claims(client, client_a, client_user_a, history):
    client.force_login(client_user_a)
    html = client.get("/clients/acme/").content.decode()
    assert 'href="/clients/acme/claims/?stage=accepted">1</a>' in html
    listed = client.get("/clients/acme/claims/?stage=accepted").content.decode()
    assert history["accepted"].display_number in listed and history["paid"].display_number not in listed
    assert "Stage: <strong>Accepted by CBP</strong>" in listed


def test_projection_rows_each_have_a_basis(client, client_a, client_user_a, history):
    client.force_login(client_user_a)
    response = client.get("/clients/acme/")
    board = response.context["board"]
    assert board.projection.items, "the accepted claim and the others are waiting for money"
    html = response.content.decode()
    for item in board.projection.items:
        assert item.basis in html.replace("&#x27;", "'")
    accepted = next(i for i in board.projection.items if i.claim_id == history["accepted"].pk)
    assert accepted.kind == "liquidation" and "deemed liquidation 2027-11-20" in accepted.basis


def test_maximization_reads_each_builds_comparison(client_a, analyst):
    build = ClaimBuild.objects.create(
        client=client_a,
        requested_by=analyst,
        status=ClaimBuild.Status.SAVED,
        result={
            "comparison": [
                {"method": "optimal", "refund": "1909.39"},
                {"method": "fifo", "refund": "1659.22"},
                {"method": "lifo", "refund": "1700.00"},
            ]
        },
    )
    ClaimFactory(client=client_a, build=build)
    ClaimFactory(client=client_a, build=build, status=Claim.Status.WITHDRAWN)  # not counted as a claim
    ClientEstimate.objects.create(
        client=client_a,
        as_of=NOW.date(),
        computed_at=NOW,
        at_risk_refund=D("321.00"),
        recovered_near_expiry=D("45.00"),
    )
    m = figures.maximization(client=client_a)
    (gain,) = m.builds
    assert (gain.optimal, gain.fifo, gain.gain, len(gain.claims)) == (
        D("1909.39"),
        D("1659.22"),
        D("250.17"),
        1,
    )
    assert m.estimate.at_risk_refund == D("321.00")


def test_needs_from_the_client(client_a, analyst, settings):
    settings.PRIVILEGE_WARNING_DAYS = 90
    claim = claim_with(client_a, Claim.Status.INFO_REQUESTED, "10.00", filed=dt.date(2026, 11, 1))
    CbpRequest.objects.create(
        claim=claim,
        kind="cf28",
        reference="CF28-1",
        issued_on=dt.date(2026, 11, 2),
        due_on=dt.date(2026, 12, 2),
    )
    for i, status in enumerate(["open", "open", "acknowledged"]):
        Finding.objects.create(
            client=client_a,
            rule="R-EXPORT-DOCS",
            severity="warning",
            status=status,
            message="no proof",
            amount_at_stake=D("10.00"),
            fingerprint=f"doc{i}",
        )
    from tests.factories import PrivilegeFactory

    PrivilegeFactory(client=client_a, reference="WPN-SOON", expires_on=dt.date(2027, 1, 15))
    needs = figures.needs(client=client_a, today=NOW.date())
    assert [r.reference for r in needs.requests] == ["CF28-1"]
    (docs,) = needs.documents
    assert (docs.count, docs.amount) == (2, D("20.00"))  # the acknowledged one is the firm's business
    assert ["WPN-SOON" in w.text for w in needs.warnings] == [True]
    assert needs.count == 3


def test_client_users_see_no_review_comments_draft_builds_or_acknowledged_warnings(
    client, api, client_a, analyst, reviewer, client_user_a
):
    claim = build_claim(client=client_a, preparer=analyst)
    from claims.services import claim_validate

    claim_validate(claim=claim, by=analyst)
    review_start(claim=claim, by=analyst)
    designation = claim.designations.get()
    review_return(
        claim=claim,
        by=reviewer,
        comment="INTERNAL overall note",
        line_comments=[LineComment("INTERNAL line note", designation_id=designation.pk)],
    )
    Finding.objects.create(
        client=client_a,
        rule="R-TEST-W",
        severity="warning",
        status="acknowledged",
        message="ACKED warning",
        comment="INTERNAL acknowledgement",
        fingerprint="acked",
    )
    # The review is told to the firm's people who act next (the preparer), never to the client.
    assert Notification.objects.filter(user=analyst, claim=claim, event="returned").exists()
    assert not Notification.objects.filter(user=client_user_a).exists()
    # A return made by the system (data changed after approval) is the firm's review too.
    claim.transitions.create(
        from_status="ready_to_file", to_status="returned", by=None, reason="INTERNAL data changed"
    )
    build = ClaimBuild.objects.create(client=client_a, requested_by=analyst, status=ClaimBuild.Status.DONE)
    client.force_login(analyst)
    staff_page = client.get(f"/clients/acme/claims/{claim.pk}/").content.decode()
    assert "INTERNAL overall note" in staff_page and "INTERNAL line note" in staff_page
    client.force_login(client_user_a)
    for url in (
        f"/clients/acme/claims/{claim.pk}/",
        "/clients/acme/",
        "/clients/acme/findings/",
        "/notifications/",
    ):
        page = client.get(url).content.decode()
        assert "INTERNAL" not in page and "ACKED" not in page, url
    assert client.get(f"/clients/acme/claims/build/{build.pk}/").status_code == 404
    assert "/claims/build/" not in client.get("/clients/acme/claims/").content.decode()
    api.force_login(client_user_a)
    assert api.get(f"/api/v1/claims/{claim.pk}/reviews/").status_code == 404
    moves = api.get(f"/api/v1/claims/{claim.pk}/transitions/").content.decode()
    assert "INTERNAL" not in moves and "returned" in moves
    findings = api.get("/api/v1/clients/acme/findings/?status=all").content.decode()
    assert "ACKED" not in findings
    summary = api.get("/api/v1/clients/acme/risk-summary/").json()
    assert summary["by_severity"]["warning"]["acknowledged"] == 0
    for url in ("/api/v1/clients/acme/dashboard/", "/api/v1/clients/acme/projections/"):
        assert "INTERNAL" not in api.get(url).content.decode()


def test_pdf_and_excel_of_the_dashboard(client, client_a, client_user_a, history, settings):
    from tests.factories import PrivilegeFactory

    PrivilegeFactory(client=client_a, reference='=HYPERLINK("http://x")')  # text, never a formula
    client.force_login(client_user_a)
    pdf = client.get("/clients/acme/dashboard.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert (
        pdf.content.startswith(b"%PDF-")
        and 'filename="dashboard-acme-2026-12-06.pdf"' in pdf["Content-Disposition"]
    )
    xlsx = client.get("/clients/acme/dashboard.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[:3] == ["Pipeline", "Money by month", "Received per year"]
    assert [row[0] for row in book["Pipeline"].iter_rows(min_row=2, values_only=True)][0] == "In preparation"
    cell = next(
        c
        for row in book["Applications and rulings"].iter_rows(min_row=2)
        for c in row
        if c.value and "HYPERLINK" in str(c.value)
    )
    assert cell.data_type == "s"  # kept as text
    projection = list(book["Projection"].iter_rows(min_row=2, values_only=True))
    assert projection and all(row[-1] for row in projection)  # each payment with its basis


def test_charts_draw_bars_to_scale_and_escape_text():
    svg = charts.bar_chart(
        title="Money <by> month",
        categories=["Jan", "Feb", "Mar"],
        series=[charts.Series("Received", [D("100"), None, D("-50")], "#000", "received")],
        band=[None, (D("0"), D("200")), None],
    )
    assert "Money &lt;by&gt; month" in svg and "<by>" not in svg
    assert 'data-series="received" data-value="100"' in svg and 'data-value="-50"' in svg
    assert 'data-series="band" data-low="0" data-high="200"' in svg
    assert svg.count('data-series="received"') == 2  # February has no value: no bar
    import re

    heights = {
        m[0]: float(m[1])
        for m in re.findall(r'height="([\d.]+)" fill="#000" data-series="received" data-value="(-?\d+)"', svg)
    }
    assert heights  # bars drawn
    bars = re.findall(r'height="([\d.]+)" fill="#000" data-series="received" data-value="(-?\d+)"', svg)
    by_value = {v: float(h) for h, v in bars}
    assert abs(by_value["100"] - 2 * by_value["-50"]) < 0.2  # 100 is twice as tall as 50 below zero
    assert charts.money_label(D("1250000")) == "$1.3M" and charts.money_label(D("-2500")) == "-$2.5k"


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()
