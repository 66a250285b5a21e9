"""The firm's leads: the list with its filters and search, a lead's page with the answers, the files and
the estimate, and the actions on it, each recorded in the lead's history."""

import pytest
from django.core import mail

from drawback.prospects import questionnaire as q
from drawback.prospects.models import Lead, LeadEvent
from drawback.prospects.services import lead_from_questionnaire
from tests.factories import FirmFactory, UserFactory

from .conftest import QUESTIONNAIRE

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(firm, assessment):
    quiet = lead_from_questionnaire(
        firm=firm, answers=q.Answers.from_dict({**QUESTIONNAIRE, "duties": "under_100k"})
    )
    Lead.objects.filter(pk=quiet.pk).update(company="Quiet Imports Co", status=Lead.Status.LOST)
    other_firm = FirmFactory(name="Other Firm", filer_code="OTH")
    theirs = lead_from_questionnaire(firm=other_firm, answers=q.Answers.from_dict(QUESTIONNAIRE))
    Lead.objects.filter(pk=theirs.pk).update(company="Their Prospect Inc")
    return {"assessment": assessment.lead, "quiet": Lead.objects.get(pk=quiet.pk), "theirs": theirs}


def names(response) -> list[str]:
    return [lead.company for lead in response.context["page"].object_list]


def test_list_filters_and_search(client, staff, leads):
    client.force_login(staff)
    assert names(client.get("/leads/")) == ["Quiet Imports Co", "Gulf Coast Apparel LLC"]
    assert names(client.get("/leads/", {"status": "lost"})) == ["Quiet Imports Co"]
    assert names(client.get("/leads/", {"source": "assessment"})) == ["Gulf Coast Apparel LLC"]
    assert names(client.get("/leads/", {"source": "questionnaire"})) == ["Quiet Imports Co"]
    assert names(client.get("/leads/", {"rating": "medium"})) == ["Quiet Imports Co"]
    assert names(client.get("/leads/", {"q": "dana@gulf"})) == ["Gulf Coast Apparel LLC"]
    assert names(client.get("/leads/", {"owner": "none"})) == ["Quiet Imports Co", "Gulf Coast Apparel LLC"]
    page = client.get("/leads/").content.decode()
    assert "page 1 of 1" in page and "Their Prospect" not in page and "$98,987.22" in page
    assert "1 new" in page  # the nav's count of new leads


def test_lead_page_shows_answers_files_and_estimate(client, staff, leads):
    lead = leads["assessment"]
    client.force_login(staff)
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    for text in (
        "Gulf Coast Apparel LLC",
        "12-3456789AB",
        "Waiver of prior notice",
        "es003_sample.csv",
        "ACE ES-003 entry summary line report",
        "$98,987.22",
        "Look-back by year of importation",
        "Lines that expire soonest",
        "Release the estimate to the prospect",
        "Set the lead's status to “Qualified”",
    ):
        assert text in html, text
    file = lead.assessment.files.get(original_name="es003_sample.csv")
    download = client.get(f"/leads/{lead.pk}/files/{file.pk}/")
    assert download.status_code == 200 and b"Entry Summary Number" in b"".join(download.streaming_content)


def test_status_owner_and_notes_are_recorded(client, staff, leads):
    lead = leads["assessment"]
    client.force_login(staff)
    response = client.post(f"/leads/{lead.pk}/update/", {"status": "contacted", "owner": staff.pk})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (Lead.Status.CONTACTED, staff)
    assert (
        client.post(f"/leads/{lead.pk}/notes/", {"text": "Called Dana; sending a proposal"}).status_code
        == 302
    )
    events = list(LeadEvent.objects.filter(lead=lead, actor=staff).values_list("action", "text"))
    assert ("status", "New → Contacted") in events and ("owner", "Owner: sam") in events
    assert ("note", "Called Dana; sending a proposal") in events
    assert names(client.get("/leads/", {"q": "proposal"})) == ["Gulf Coast Apparel LLC"]
    # Converted is reached by the conversion only; another firm's staff cannot be made the owner.
    assert client.post(f"/leads/{lead.pk}/update/", {"status": "converted"}).status_code == 400
    outsider = UserFactory(username="otto", role="analyst", firm=leads["theirs"].firm)
    assert (
        client.post(f"/leads/{lead.pk}/update/", {"status": "new", "owner": outsider.pk}).status_code == 400
    )


def test_release_shows_the_prospect_their_estimate(client, staff, leads, django_capture_on_commit_callbacks):
    lead = leads["assessment"]
    prospect = client.__class__()
    session = prospect.session
    session["prospect_assessment"] = str(lead.assessment.token)
    session.save()
    assert "$98,987.22" not in prospect.get("/assessment/sent/").content.decode()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/leads/{lead.pk}/release/").status_code == 302
    page = prospect.get("/assessment/sent/").content.decode()
    assert "$98,987.22" in page and "Look-back by year of importation" in page
    assert (
        mail.outbox[-1].to == ["dana@gulfcoast.example.com"] and "/assessment/resume/" in mail.outbox[-1].body
    )
    assert LeadEvent.objects.filter(lead=lead, action="released", actor=staff).exists()


def test_convert_from_the_page(client, staff, leads, django_capture_on_commit_callbacks):
    lead = leads["assessment"]
    client.force_login(staff)
    client.post(f"/leads/{lead.pk}/update/", {"status": "qualified"})
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'value="gulf-coast-apparel-l"' in page  # the code suggested from the legal name
    form = {
        "code": "gulfcoast",
        "legal_name": "Gulf Coast Apparel LLC",
        "importer_number": "12-3456789AB",
        "address": "1 Dock Street",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/leads/{lead.pk}/convert/", form)
    assert response.status_code == 302
    html = client.get(f"/leads/{lead.pk}/", follow=True).content.decode()
    assert (
        "is a client now" in html
        and 'href="/clients/gulfcoast/"' in html
        and "Waiting for a password" in html
    )
    again = client.post(f"/leads/{lead.pk}/convert/", {**form, "code": "gulfcoast2"}, follow=True)
    assert "converted already" in again.content.decode()
    taken = client.post(f"/leads/{leads['quiet'].pk}/convert/", form)
    assert taken.status_code == 400


def test_estimate_can_be_computed_again(client, staff, leads, django_capture_on_commit_callbacks):
    lead = leads["assessment"]
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/leads/{lead.pk}/estimate/").status_code == 302
    assert lead.assessment.estimates.count() == 2
    progress = client.get(f"/leads/{lead.pk}/estimate/progress/").json()
    assert progress["status"] == "done" and progress["progress"] == 100


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/leads/"),
        ("get", "/leads/{pk}/"),
        ("post", "/leads/{pk}/update/"),
        ("post", "/leads/{pk}/notes/"),
        ("post", "/leads/{pk}/estimate/"),
        ("get", "/leads/{pk}/estimate/progress/"),
        ("post", "/leads/{pk}/release/"),
        ("post", "/leads/{pk}/convert/"),
        ("get", "/leads/{pk}/files/{file}/"),
    ],
)
def test_leads_are_the_firms_staff_only(client, leads, client_user_a, method, path):
    lead = leads["assessment"]
    url = path.format(pk=lead.pk, file=lead.assessment.files.first().pk)
    other_firm_staff = UserFactory(username="otto", role="analyst", firm=leads["theirs"].firm)
    events = LeadEvent.objects.count()
    for user in (client_user_a, other_firm_staff):
        client.force_login(user)
        response = getattr(client, method)(url, {"status": "lost", "text": "x"} if method == "post" else None)
        if path == "/leads/":
            # Another firm's staff see their own leads only; client users nothing at all.
            assert (
                response.status_code == 404
                if user is client_user_a
                else "Gulf Coast" not in response.content.decode()
            )
        else:
            assert response.status_code == 404
    client.logout()
    assert getattr(client, method)(url)["Location"].startswith("/login/")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and LeadEvent.objects.count() == events


def test_a_stalled_estimate_can_be_computed_again(client, staff, leads, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    lead = leads["assessment"]
    lost = lead.assessment.estimates.create(status="running", stage="Reading es003_sample.csv")
    client.force_login(staff)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Computing" in page and "Compute again" not in page
    type(lost).objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "its worker may be gone" in page and "Compute again" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/leads/{lead.pk}/estimate/")
    assert lead.assessment.latest_estimate().status == "done"
