"""CBP pages and API: what each person sees and may do, overdue flags wherever an analyst looks."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory

from claims.cbp import selectors
from claims.cbp.models import CbpRequest, Notification
from claims.models import Claim
from tests.claims.cbp_support import make_claim

S = Claim.Status
TODAY = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def sandbox_folders(settings, tmp_path):
    settings.CBP_GATEWAY = "sandbox"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def claim_a(client_a, analyst):
    return make_claim(client=client_a, preparer=analyst, status=S.INFO_REQUESTED, classes={"364": "500.00"})


@pytest.fixture
def claim_b(client_b, analyst):
    return make_claim(client=client_b, preparer=analyst, sequence=2, status=S.ACCEPTED)


def cbp_request(claim, *, due, kind="cf28", status="open"):
    return CbpRequest.objects.create(
        claim=claim,
        kind=kind,
        issued_on=due - dt.timedelta(days=30),
        due_on=due,
        status=status,
        assigned_to=claim.preparer,
        reference=f"{kind.upper()}-{claim.pk}",
        request_text="Provide invoices.",
    )


@pytest.fixture
def overdue_a(claim_a):
    return cbp_request(claim_a, due=dt.date(2026, 3, 9))


@pytest.fixture
def due_today_a(claim_a):
    return cbp_request(claim_a, due=dt.date(2026, 3, 10), kind="cf29")


@pytest.fixture
def overdue_b(claim_b):
    return cbp_request(claim_b, due=dt.date(2026, 2, 1))


def login(client, user):
    client.force_login(user)
    return client


def test_overdue_selector_counts_only_open_past_due_requests_the_user_may_see(
    overdue_a, due_today_a, overdue_b, analyst, client_user_a, claim_a
):
    cbp_request(claim_a, due=dt.date(2026, 1, 1), status="responded")
    assert list(selectors.overdue_cbp_requests(analyst)) == [overdue_b, overdue_a]
    assert list(selectors.overdue_cbp_requests(client_user_a)) == [overdue_a]  # due today is not late yet
    annotated = selectors.with_overdue_request_count(Claim.objects.order_by("pk"))
    assert [c.overdue_cbp_requests for c in annotated] == [1, 1]


def test_nav_badge_shows_overdue_requests_on_every_page(client, analyst, overdue_a, overdue_b):
    page = login(client, analyst).get("/").content.decode()
    assert 'id="cbp-overdue-badge"' in page and "2 overdue" in page


def test_client_user_sees_no_firm_badge_but_their_notifications(client, client_user_a, claim_a, overdue_a):
    Notification.objects.create(user=client_user_a, claim=claim_a, event="cf28", text="CF-28 on your claim")
    page = login(client, client_user_a).get("/", follow=True).content.decode()
    assert "cbp-overdue-badge" not in page and "1 unread" in page


def test_request_list_puts_overdue_first_and_flags_it(client, analyst, overdue_a, due_today_a, overdue_b):
    page = login(client, analyst).get("/cbp-requests/").content.decode()
    rows = page.split('id="cbp-requests"')[1]
    order = [rows.index(r.reference) for r in (overdue_b, overdue_a, due_today_a)]
    assert order == sorted(order)
    assert rows.count("overdue</strong>") == 2


def test_claim_panel_flags_overdue_and_shows_deadlines(client, analyst, claim_a, overdue_a):
    page = login(client, analyst).get(f"/claims/{claim_a.pk}/cbp/").content.decode()
    assert "1 CBP request past due" in page and "Deemed liquidation" in page
    assert 'class="overdue"' in page


def test_panel_tag_for_claim_pages_and_list_flag(rf: RequestFactory, analyst, claim_a, overdue_a):
    request = rf.get("/")
    request.user = analyst
    html = Template("{% load cbp %}{% claim_cbp_panel claim %}|{% cbp_overdue_count claim %}").render(
        Context({"claim": claim_a, "request": request})
    )
    assert 'id="cbp-panel"' in html and html.endswith("|1")


@pytest.mark.parametrize(
    "url",
    ["/claims/{b}/cbp/", "/cbp-requests/{rb}/", "/api/v1/claims/{b}/cbp/"],
)
def test_another_clients_claim_is_404_for_a_client_user(client, client_user_a, claim_b, overdue_b, url):
    login(client, client_user_a)
    assert client.get(url.format(b=claim_b.pk, rb=overdue_b.pk)).status_code == 404


def test_client_user_reads_but_cannot_file_respond_or_poll(
    client, client_user_a, client_a, analyst, overdue_a
):
    ready = make_claim(client=client_a, preparer=analyst, sequence=5, status=S.READY_TO_FILE)
    login(client, client_user_a)
    assert client.get(f"/claims/{ready.pk}/cbp/").status_code == 200
    assert client.post(f"/claims/{ready.pk}/file/").status_code == 404
    assert (
        client.post(f"/cbp-requests/{overdue_a.pk}/", {"action": "respond", "response_text": "x"}).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/cbp-requests/{overdue_a.pk}/respond/", {"response_text": "x"}).status_code
        == 404
    )
    assert client.post("/cbp/poll/").status_code == 404
    ready.refresh_from_db()
    overdue_a.refresh_from_db()
    assert ready.status == S.READY_TO_FILE and overdue_a.status == "open"


def test_client_user_may_attach_a_document_to_their_request(client, client_user_a, overdue_a, client_b):
    login(client, client_user_a)
    upload = SimpleUploadedFile("bol-123.pdf", b"%PDF-1.4 bill of lading", content_type="application/pdf")
    response = client.post(
        f"/cbp-requests/{overdue_a.pk}/", {"action": "attach", "file": upload, "note": "B/L"}
    )
    assert response.status_code == 302
    (document,) = overdue_a.documents.all()
    assert (document.client, document.doc_type, document.uploaded_by) == (
        overdue_a.claim.client,
        "cbp",
        client_user_a,
    )
    assert document.sha256 == hashlib.sha256(b"%PDF-1.4 bill of lading").hexdigest()
    assert document.file.read() == b"%PDF-1.4 bill of lading"


def test_analyst_files_from_the_claim_page(client, analyst, client_a):
    ready = make_claim(client=client_a, preparer=analyst, sequence=6, status=S.READY_TO_FILE)
    login(client, analyst)
    page = client.get(f"/claims/{ready.pk}/cbp/").content.decode()
    assert 'id="file-with-cbp"' in page
    response = client.post(f"/claims/{ready.pk}/file/", follow=True)
    ready.refresh_from_db()
    assert ready.status == S.FILED and ready.filed_on == dt.date(2026, 3, 10)
    assert "filed with CBP" in response.content.decode()
    # Filing twice is refused with a reason, not a second transmission.
    response = client.post(f"/claims/{ready.pk}/file/", follow=True)
    assert "Not filed: claim" in response.content.decode() and ready.cbp_transmissions.count() == 1


def test_analyst_responds_on_the_page_and_the_claim_returns_to_accepted(client, analyst, claim_a, overdue_a):
    login(client, analyst)
    response = client.post(
        f"/cbp-requests/{overdue_a.pk}/", {"action": "respond", "response_text": "Invoices uploaded to DIS."}
    )
    assert response.status_code == 302
    overdue_a.refresh_from_db()
    claim_a.refresh_from_db()
    assert (overdue_a.status, overdue_a.responded_on, overdue_a.responded_by) == (
        "responded",
        dt.date(2026, 3, 10),
        analyst,
    )
    assert claim_a.status == S.ACCEPTED
    assert not selectors.overdue_cbp_requests(analyst).exists()


def test_api_lists_requests_overdue_first_and_responds(client, analyst, overdue_a, due_today_a, overdue_b):
    login(client, analyst)
    listed = client.get("/api/v1/cbp-requests/").json()["results"]
    assert [(r["id"], r["overdue"]) for r in listed] == [
        (overdue_b.pk, True),
        (overdue_a.pk, True),
        (due_today_a.pk, False),
    ]
    only_overdue = client.get("/api/v1/cbp-requests/?overdue=true").json()["results"]
    assert {r["id"] for r in only_overdue} == {overdue_a.pk, overdue_b.pk}
    answered = client.post(
        f"/api/v1/cbp-requests/{due_today_a.pk}/respond/",
        {"response_text": "We agree."},
        content_type="application/json",
    )
    assert answered.status_code == 200 and answered.json()["status"] == "responded"
    again = client.post(
        f"/api/v1/cbp-requests/{due_today_a.pk}/respond/",
        {"response_text": "Twice"},
        content_type="application/json",
    )
    assert again.status_code == 400


def test_api_claim_cbp_overview(client, client_user_a, claim_a, overdue_a):
    Claim.objects.filter(pk=claim_a.pk).update(filed_on=dt.date(2026, 1, 5))
    login(client, client_user_a)
    body = client.get(f"/api/v1/claims/{claim_a.pk}/cbp/").json()
    assert body["status"] == "info_requested" and body["requests"][0]["overdue"] is True
    assert body["reconciliation"]["total"]["claimed"] == "500.00"
    assert body["deemed_liquidation_date"] is None  # the designated import entry is not liquidated
    assert body["liquidation"] is None


def test_notifications_page_lists_mine_and_marks_them_read(client, analyst, reviewer, claim_a):
    mine = Notification.objects.create(user=analyst, claim=claim_a, event="accepted", text="Accepted: mine")
    Notification.objects.create(user=reviewer, claim=claim_a, event="accepted", text="Accepted: Rita's")
    login(client, analyst)
    page = client.get("/notifications/").content.decode()
    assert "Accepted: mine" in page and "Rita" not in page and "1 unread" in page
    client.post("/notifications/read/", {"id": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "unread" not in client.get("/notifications/").content.decode()
