"""Conversion: one action from a qualified assessment to a client with everything carried over and nothing
duplicated; a second conversion is refused, also when two are made at the same moment; and the new client
users set their own password from a one-time invitation."""

import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.db import connection, connections

from claims.privileges.services import privilege_status_change
from drawback.accounts.models import Client, Privilege, User
from drawback.accounts.tenancy import clients_for
from drawback.prospects.conversion import ConversionError, lead_convert, privilege_from_statement
from drawback.prospects.models import Assessment, AssessmentFile, Lead, LeadEvent
from drawback.prospects.services import lead_update
from exports.models import Export
from imports.models import Document, ImportLine, Upload
from tests.factories import ClientFactory, FirmFactory, UserFactory

from .conftest import BASE_URL, make_assessment

FORM = {
    "code": "gulfcoast",
    "legal_name": "Gulf Coast Apparel LLC",
    "importer_number": "12-3456789AB",
    "exporter_number": "",
    "address": "1 Dock Street\nHouston, TX 77002",
}


def qualified(lead, staff):
    lead_update(lead=lead, by=staff, status=Lead.Status.QUALIFIED, owner=staff)
    return lead


def convert(lead, staff, capture, **changes):
    with capture(execute=True):
        return lead_convert(lead=lead, by=staff, base_url=BASE_URL, **{**FORM, **changes})


@pytest.mark.django_db
def test_everything_is_carried_over_once(assessment, staff, analyst, django_capture_on_commit_callbacks):
    lead = qualified(assessment.lead, staff)
    workspace = assessment.workspace
    lines, exports = ImportLine.objects.filter(client=workspace).count(), workspace.exports.count()
    total_lines, total_uploads = ImportLine.objects.count(), Upload.objects.count()
    client = convert(lead, staff, django_capture_on_commit_callbacks)

    # The workspace became the client: its data is the client's, moved, not copied.
    assert client.pk == workspace.pk and not client.is_workspace and client.is_active
    assert (client.code, client.legal_name, client.importer_number) == (
        "gulfcoast",
        FORM["legal_name"],
        "12-3456789AB",
    )
    assert client.address == FORM["address"]
    assert ImportLine.objects.filter(client=client).count() == lines == 38
    assert Export.objects.filter(client=client).count() == exports == 25
    assert (ImportLine.objects.count(), Upload.objects.count()) == (total_lines, total_uploads)
    assert client in clients_for(analyst)
    # Privileges as stated, each noted as such.
    privileges = {p.kind: p for p in client.privileges.all()}
    assert set(privileges) == {Privilege.Kind.WAIVER_PRIOR_NOTICE, Privilege.Kind.ACCELERATED_PAYMENT}
    ap = privileges[Privilege.Kind.ACCELERATED_PAYMENT]
    assert (ap.reference, str(ap.granted_on), ap.bond_type, ap.surety_code) == (
        "AP-2023-0100",
        "2023-01-10",
        "8",
        "457",
    )
    assert "Stated by the prospect" in ap.notes
    assert client.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE) is not None
    # Contacts are client users without a password, each invited.
    users = list(User.objects.filter(client=client).order_by("username"))
    assert [u.username for u in users] == ["dana@gulfcoast.example.com", "lee@gulfcoast.example.com"]
    assert all(u.is_client_user and not u.has_usable_password() for u in users)
    assert (users[0].first_name, users[0].last_name) == ("Dana", "Reyes")
    invitations = [m for m in mail.outbox if "Your access to" in m.subject]
    assert sorted(m.to[0] for m in invitations) == [u.email for u in users]
    assert all("Choose your password here" in m.body and "/invitation/" in m.body for m in invitations)
    assert client.contact_emails.splitlines() == [u.email for u in users]
    # The uploaded files are the client's documents; the prospect's own copies are gone.
    documents = Document.objects.filter(client=client)
    assert sorted(documents.values_list("original_name", "doc_type")) == [
        ("7501-example.pdf", "entry_summary"),
        ("aes_sample.csv", "other"),
        ("es003_sample.csv", "other"),
    ]
    assert not AssessmentFile.objects.filter(assessment=assessment).exclude(file="").exists()
    assert set(AssessmentFile.objects.values_list("document_id", flat=True)) == set(
        documents.values_list("pk", flat=True)
    )
    # The lead: converted, with its audit entry.
    lead.refresh_from_db()
    assert (lead.status, lead.client, lead.converted_by) == (Lead.Status.CONVERTED, client, staff)
    event = LeadEvent.objects.get(lead=lead, action="converted")
    assert (
        event.actor == staff and "2 users invited, 3 documents, 2 privileges, 38 import lines" in event.text
    )
    assert LeadEvent.objects.filter(lead=lead, action="invitation").count() == 2


@pytest.mark.django_db
def test_a_lead_is_converted_once(assessment, staff, django_capture_on_commit_callbacks):
    lead = qualified(assessment.lead, staff)
    convert(lead, staff, django_capture_on_commit_callbacks)
    clients, users, documents = Client.objects.count(), User.objects.count(), Document.objects.count()
    with pytest.raises(ConversionError, match="converted already"):
        convert(lead, staff, django_capture_on_commit_callbacks, code="gulfcoast2")
    assert (Client.objects.count(), User.objects.count(), Document.objects.count()) == (
        clients,
        users,
        documents,
    )
    with pytest.raises(Exception, match="conversion only"):
        lead_update(lead=lead, by=staff, status=Lead.Status.QUALIFIED, owner=None)


@pytest.mark.django_db
def test_refusals_leave_nothing_behind(assessment, staff, django_capture_on_commit_callbacks):
    lead = assessment.lead
    with pytest.raises(ConversionError, match="Mark the lead qualified"):
        convert(lead, staff, django_capture_on_commit_callbacks)
    qualified(lead, staff)
    UserFactory(username="someone", email="lee@gulfcoast.example.com", role="analyst", firm=staff.firm)
    documents = Document.objects.count()
    with pytest.raises(ConversionError, match="lee@gulfcoast.example.com exists already"):
        convert(lead, staff, django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.client is None and lead.converted_at is None and lead.status == Lead.Status.QUALIFIED
    assessment.workspace.refresh_from_db()
    assert assessment.workspace.is_workspace and assessment.workspace.code.startswith("prospect-")
    assert Document.objects.count() == documents and not Privilege.objects.exists()
    assert not User.objects.filter(username="dana@gulfcoast.example.com").exists()
    outsider = UserFactory(username="otto", role="analyst", firm=FirmFactory(name="Other", filer_code="OTH"))
    with pytest.raises(ConversionError, match="firm's staff"):
        convert(lead, outsider, django_capture_on_commit_callbacks)


@pytest.mark.django_db
def test_without_a_workspace_a_new_client_is_made(firm, staff, django_capture_on_commit_callbacks):
    assessment = make_assessment(firm, django_capture_on_commit_callbacks, files=("pdf",))
    lead = qualified(assessment.lead, staff)
    client = convert(lead, staff, django_capture_on_commit_callbacks)
    assert client.firm == firm and client.documents.count() == 1 and not client.import_lines.exists()


@pytest.mark.django_db
def test_stated_privileges_become_applications_with_their_status(firm, staff):
    """privilege_from_statement records each statement through the applications service: granted by CBP is
    approved and in force from the day given; applied for is submitted to CBP, in force only once CBP's
    approval is recorded; each with its first line of history, noted as stated."""
    client = ClientFactory(firm=firm, code="gulfcoast")
    stated_on = dt.date(2026, 12, 6)
    ruling = privilege_from_statement(
        client=client,
        by=staff,
        stated_on=stated_on,
        stated={
            "kind": "manufacturing_ruling",
            "status": "granted",
            "reference": "T.D. 81-234",
            "ruling_type": "general",
            "applied_on": None,
            "granted_on": "2021-03-04",
            "expires_on": None,
        },
    )
    assert (ruling.status, ruling.reference, ruling.ruling_type, ruling.granted_on) == (
        Privilege.Status.APPROVED,
        "T.D. 81-234",
        Privilege.RulingType.GENERAL,
        dt.date(2021, 3, 4),
    )
    assert client.privilege(Privilege.Kind.MANUFACTURING_RULING, on=stated_on) == ruling
    assert "2026-12-06" in ruling.notes and "approval letter" in ruling.notes
    assert list(ruling.status_changes.values_list("from_status", "to_status", "on", "by")) == [
        ("", "approved", dt.date(2021, 3, 4), staff.pk)
    ]
    # Answers stored before the step asked where a privilege stands were all granted ones.
    waiver = privilege_from_statement(
        client=client,
        by=staff,
        stated_on=stated_on,
        stated={"kind": "waiver_prior_notice", "reference": "WPN-1", "granted_on": "2022-05-02"},
    )
    assert waiver.status == Privilege.Status.APPROVED and client.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE)

    applied = privilege_from_statement(
        client=client,
        by=staff,
        stated_on=stated_on,
        stated={
            "kind": "accelerated_payment",
            "status": "applied",
            "reference": "",
            "ruling_type": "",
            "applied_on": "2026-10-01",
            "granted_on": None,
            "expires_on": None,
            "bond_type": "8",
            "surety_code": "457",
            "bond_effective_on": "2026-09-15",
        },
    )
    assert (applied.status, applied.submitted_on, applied.granted_on) == (
        Privilege.Status.SUBMITTED,
        dt.date(2026, 10, 1),
        None,
    )
    assert (applied.bond_type, applied.surety_code) == ("8", "457")
    assert list(applied.status_changes.values_list("to_status", "on")) == [
        ("submitted", dt.date(2026, 10, 1))
    ]
    assert "CBP's decision" in applied.notes
    # Not in force until CBP approves it; then it is, through the ordinary status move.
    assert client.privilege(Privilege.Kind.ACCELERATED_PAYMENT, on=stated_on) is None
    privilege_status_change(
        privilege=applied, to=Privilege.Status.APPROVED, by=staff, on=dt.date(2026, 12, 1)
    )
    assert client.privilege(Privilege.Kind.ACCELERATED_PAYMENT, on=stated_on).pk == applied.pk


@pytest.mark.django_db
def test_conversion_records_an_application_the_prospect_made_as_submitted(
    assessment, staff, django_capture_on_commit_callbacks
):
    applied = {
        "kind": "accelerated_payment",
        "status": "applied",
        "applied_on": "2026-11-02",
        "bond_type": "8",
        "surety_code": "457",
        "bond_effective_on": "2026-11-01",
    }
    answers = {**assessment.answers, "privileges": [*assessment.answers["privileges"][:1], applied]}
    Assessment.objects.filter(pk=assessment.pk).update(answers=answers)
    client = convert(qualified(assessment.lead, staff), staff, django_capture_on_commit_callbacks)
    statuses = dict(client.privileges.values_list("kind", "status"))
    assert statuses == {"waiver_prior_notice": "approved", "accelerated_payment": "submitted"}
    assert client.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE) is not None
    assert client.privilege(Privilege.Kind.ACCELERATED_PAYMENT) is None


@pytest.mark.django_db
def test_a_statement_the_applications_refuse_stops_the_conversion(
    assessment, staff, django_capture_on_commit_callbacks
):
    """A manufacturing ruling stated as granted without its number and type (answers kept from before the
    step asked for them) cannot be an approved ruling: the conversion says why and stores nothing."""
    ruling = {"kind": "manufacturing_ruling", "reference": "", "granted_on": "2021-03-04"}
    Assessment.objects.filter(pk=assessment.pk).update(answers={**assessment.answers, "privileges": [ruling]})
    lead = qualified(assessment.lead, staff)
    with pytest.raises(ConversionError, match="Manufacturing drawback ruling.*ruling number"):
        convert(lead, staff, django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.client is None and not Privilege.objects.exists()
    assert not User.objects.filter(client__isnull=False).exists()


@pytest.mark.django_db
def test_the_invitation_sets_a_password_once_and_lands_on_the_clients_home(
    assessment, staff, client, django_capture_on_commit_callbacks
):
    lead = qualified(assessment.lead, staff)
    convert(lead, staff, django_capture_on_commit_callbacks)
    message = next(
        m for m in mail.outbox if m.to == ["dana@gulfcoast.example.com"] and "Your access" in m.subject
    )
    assert "Your user name: dana@gulfcoast.example.com" in message.body
    link = re.search(r"http://testserver(/invitation/\S+/)", message.body).group(1)
    response = client.get(link)
    assert response.status_code == 302  # the token moves to the session, out of the address bar
    form_url = response["Location"]
    page = client.get(form_url).content.decode()
    assert "Choose your password" in page and "dana@gulfcoast.example.com" in page
    response = client.post(
        form_url, {"new_password1": "a-long-harbor-pass-7", "new_password2": "a-long-harbor-pass-7"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/clients/gulfcoast/"
    # Their company's dashboard, with what the data carried over still needs and the privileges stated.
    overview = client.get("/clients/gulfcoast/").content.decode()
    assert "Gulf Coast Apparel LLC" in overview and 'id="pipeline"' in overview
    assert "25 × export without proof of export" in overview and "AP-2023-0100" in overview
    assert "38 lines" in client.get("/clients/gulfcoast/lines/").content.decode()
    user = User.objects.get(username="dana@gulfcoast.example.com")
    assert user.check_password("a-long-harbor-pass-7")
    # The link works once.
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in again


@pytest.mark.django_db
def test_staff_send_an_invitation_again(assessment, staff, client, django_capture_on_commit_callbacks):
    lead = qualified(assessment.lead, staff)
    converted = convert(lead, staff, django_capture_on_commit_callbacks)
    lee = converted.users.get(username="lee@gulfcoast.example.com")
    client.force_login(staff)
    sent = len(mail.outbox)
    response = client.post(f"/leads/{lead.pk}/users/{lee.pk}/invite/")
    assert response.status_code == 302 and len(mail.outbox) == sent + 1 and mail.outbox[-1].to == [lee.email]
    assert client.post(f"/leads/{lead.pk}/users/{staff.pk}/invite/").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sessions need PostgreSQL")
def test_two_conversions_at_the_same_moment_make_one_client(firm, hts, staff, reviewer):
    assessment = make_assessment(firm, _Immediate, files=("es003", "pdf"))
    lead = qualified(assessment.lead, staff)
    outcomes = {}
    barrier = threading.Barrier(2)

    def run(user, code):
        try:
            barrier.wait()
            outcomes[code] = lead_convert(
                lead=Lead.objects.get(pk=lead.pk), by=user, base_url=BASE_URL, **{**FORM, "code": code}
            )
        except ConversionError as exc:
            outcomes[code] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u, c)) for u, c in ((staff, "first"), (reviewer, "second"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    made = [o for o in outcomes.values() if isinstance(o, Client)]
    refused = [o for o in outcomes.values() if isinstance(o, ConversionError)]
    assert len(made) == 1 and len(refused) == 1 and "converted already" in str(refused[0])
    assert Client.objects.filter(code__in=["first", "second"]).count() == 1
    assert User.objects.filter(client__isnull=False).count() == 2
    assert Lead.objects.get(pk=lead.pk).client == made[0]


class _Immediate:
    """Outside a test transaction, commits are real: nothing to capture."""

    def __init__(self, execute=True):
        pass

    def __enter__(self):
        return []

    def __exit__(self, *exc):
        return False
