"""Package pages and downloads go through the tenant boundary: another client's claim or file is a 404."""

import pytest
from django.urls import reverse

from claims.filing import claim_package_build, claim_package_documents
from claims.models import Claim
from drawback.accounts.models import Firm
from imports.models import Document
from tests.claims.filing_builders import set_status, unused_substitution_claim
from tests.factories import ClientFactory, UserFactory

S = Claim.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def claim(client_a, analyst):
    claim = set_status(unused_substitution_claim(client_a, analyst), S.READY_TO_FILE)
    claim_package_build(claim=claim)
    return claim


def login(client, user):
    client.force_login(user)


def download_url(claim, doc, code=None):
    return reverse(
        "filing:claim_file_download",
        kwargs={"code": code or claim.client.code, "pk": claim.pk, "doc_id": doc.pk},
    )


def test_staff_downloads_the_stored_file(client, analyst, claim):
    login(client, analyst)
    doc = claim_package_documents(claim=claim)["catair"]
    response = client.get(download_url(claim, doc))
    assert response.status_code == 200
    assert f'filename="{claim.number}-catair.txt"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).decode().startswith("A")


def test_client_user_downloads_their_own_claims_files(client, client_user_a, claim):
    login(client, client_user_a)
    doc = claim_package_documents(claim=claim)["summary"]
    response = client.get(download_url(claim, doc))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_other_clients_user_gets_404_by_either_code(client, client_user_b, claim):
    login(client, client_user_b)
    doc = claim_package_documents(claim=claim)["workbook"]
    assert client.get(download_url(claim, doc)).status_code == 404
    assert client.get(download_url(claim, doc, code=client_user_b.client.code)).status_code == 404
    files = reverse("filing:claim_files", kwargs={"code": claim.client.code, "pk": claim.pk})
    assert client.get(files).status_code == 404


def test_staff_of_another_firm_gets_404(client, claim):
    other_firm = Firm.objects.create(name="Elsewhere Brokers", filer_code="ELS")
    outsider = UserFactory(username="olga", role="analyst", firm=other_firm)
    login(client, outsider)
    doc = claim_package_documents(claim=claim)["catair"]
    assert client.get(download_url(claim, doc)).status_code == 404


def test_document_of_another_claim_is_not_served_through_this_claim(client, analyst, claim, client_a):
    other = set_status(unused_substitution_claim(client_a, analyst, seq=2), S.READY_TO_FILE)
    claim_package_build(claim=other)
    login(client, analyst)
    foreign = claim_package_documents(claim=other)["catair"]
    assert client.get(download_url(claim, foreign)).status_code == 404
    stray = Document.objects.create(
        client=client_a, doc_type="other", file="x.txt", original_name="x.txt", size=1, sha256="0"
    )
    assert client.get(download_url(claim, stray)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, claim):
    doc = claim_package_documents(claim=claim)["catair"]
    response = client.get(download_url(claim, doc))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_files_page_lists_the_package_for_a_client_user_without_a_build_button(client, client_user_a, claim):
    login(client, client_user_a)
    response = client.get(reverse("filing:claim_files", kwargs={"code": claim.client.code, "pk": claim.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    for doc in claim_package_documents(claim=claim).values():
        assert download_url(claim, doc) in page
    assert "filing package</button>" not in page


def test_client_user_cannot_rebuild(client, client_user_a, claim):
    login(client, client_user_a)
    url = reverse("filing:claim_package_build", kwargs={"code": claim.client.code, "pk": claim.pk})
    before = set(claim.documents.values_list("pk", flat=True))
    assert client.post(url).status_code == 404
    assert set(claim.documents.values_list("pk", flat=True)) == before


def test_analyst_rebuilds_from_the_files_page(client, analyst, claim, django_capture_on_commit_callbacks):
    login(client, analyst)
    before = set(claim.documents.values_list("pk", flat=True))
    url = reverse("filing:claim_package_build", kwargs={"code": claim.client.code, "pk": claim.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.status_code == 200
    after = set(claim.documents.values_list("pk", flat=True))
    assert len(after) == 3 and not after & before
    # The page was drawn before the build ran (it ran after the request's transaction, as on a worker): it
    # says so and shows the build's progress instead of claiming it is done.
    page = response.content.decode()
    assert "queued for a worker" in page and "data-job-status" in page


def test_rebuild_of_an_unreviewed_claim_explains_why_not(client, analyst, client_a):
    claim = unused_substitution_claim(client_a, analyst, seq=5)
    login(client, analyst)
    url = reverse("filing:claim_package_build", kwargs={"code": claim.client.code, "pk": claim.pk})
    response = client.post(url, follow=True)
    assert "only once both reviews have approved it" in response.content.decode()
    assert not claim.documents.exists()


def test_other_firms_client_code_is_404_for_staff(client, analyst, claim):
    elsewhere = ClientFactory(firm=Firm.objects.create(name="Elsewhere", filer_code="ELS"), code="zeta")
    login(client, analyst)
    doc = claim_package_documents(claim=claim)["catair"]
    assert client.get(download_url(claim, doc, code=elsewhere.code)).status_code == 404
