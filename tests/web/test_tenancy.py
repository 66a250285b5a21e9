"""Tenant isolation on every page and API endpoint.

Every named URL pattern of the project (but the admin, which has its own tests) must be listed below, either
in SCOPED, as a route that reaches client data (with how to address client_b's objects through it and the
requests it accepts), or in UNSCOPED, as one that takes no client or object (with, for the firm-wide lists,
how a client's rows show in them). A new pattern that is in neither fails `test_every_url_pattern_is_covered`,
so nothing gets added without its isolation being tested.

What is checked, for each route and each request it accepts:
- a client user of client_a, and staff of another firm, get 404 for client_b's pages, objects and writes,
  and client_b's data stays as it was (`snapshot`);
- client_b's objects addressed under client_a's code are 404 even for firm staff, who may see both;
- routes that take a bare object id (/claims/<id>/cbp/, /api/v1/claims/<id>/, ...) are 404 for another
  client's object all the same;
- firm staff reach the same objects with the same requests (so each 404 above comes from the boundary, not
  from a wrong address), and a client user reads their own client's objects without other clients' rows;
- client users write nothing but documents (and documents on their own CBP requests);
- firm-wide lists (review queues, CBP requests, notifications, tariff uploads, claims) show a client user
  only their own client's rows and another firm's staff none of ours.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.fields import DateTimeField

from claims.cape.models import CapeDeclaration, CapeEntry
from claims.cbp.models import CbpMessage, CbpNotice, CbpRequest, CbpTransmission, Notification, Protest
from claims.jobs.models import Job
from claims.models import (
    Claim,
    ClaimBuild,
    ClaimClassTotal,
    ClientEstimate,
    Designation,
    Finding,
    PreflightRun,
    ProjectionSnapshot,
    TypeChoiceRun,
)
from drawback.accounts.models import DigestSubscription, Privilege, User
from exports.models import Export
from imports.models import ColumnMapping, DataFeed, Document, ImportEntry, ImportLine, Upload
from imports.services import upload_headers
from reviews.models import Review, ReviewComment
from reviews.services import checklist_items
from tests.factories import ClientFactory, FirmFactory, UserFactory

from .conftest import PDF, client_data, make_document, summary_pdf_stand_in, with_staff_work

# --- the data: built once for the module, each test's writes undone after it


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The firm, its clients and people, and both clients' data with the staff's work on it, built once in
    a transaction that is rolled back after the module. Each test runs in a savepoint inside it (the `db`
    fixture), so whatever a test writes is undone before the next. Building it for every test (claims
    through pre-flight, two reviews and filing) would make this module several minutes slower."""
    folder = tmp_path_factory.mktemp("tenancy")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=folder / "media",
            CBP_GATEWAY="sandbox",
            CATAIR_PASSWORD="TEST01",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        mock.patch("claims.filing.services.render_claim_summary_pdf", summary_pdf_stand_in),
        transaction.atomic(),
    ):
        w = SimpleNamespace(media=folder / "media")
        w.firm = FirmFactory()
        w.client_a = ClientFactory(firm=w.firm, code="acme", legal_name="Acme Outfitters Inc")
        w.client_b = ClientFactory(firm=w.firm, code="borealis", legal_name="Borealis Trading LLC")
        w.analyst = UserFactory(username="alice", role="analyst", firm=w.firm)
        w.reviewer = UserFactory(username="rita", role="reviewer", firm=w.firm)
        w.reviewer2 = UserFactory(username="rob", role="reviewer", firm=w.firm)
        w.client_user_a = UserFactory(username="carl", role="client_user", firm=None, client=w.client_a)
        w.client_user_b = UserFactory(username="bea", role="client_user", firm=None, client=w.client_b)
        other = FirmFactory(name="Other Firm", filer_code="OTH")
        ClientFactory(firm=other, code="outsider", legal_name="Outsider Co")
        w.other_firm_analyst = UserFactory(username="otto", role="analyst", firm=other)
        rows = SimpleNamespace(
            a=client_data(w.client_a, marker="ALPHA", filer="AAA"),
            b=client_data(w.client_b, marker="BRAVO", filer="BBB"),
        )
        w.data = with_staff_work(
            rows, analyst=w.analyst, reviewer=w.reviewer, reviewer2=w.reviewer2, folder=folder
        )
        yield w
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, world):
    settings.MEDIA_ROOT = world.media


@pytest.fixture
def data(world, db):
    return world.data


def _person(name):
    """The module's user `name`, read afresh: a test may change a user, and only the database is undone."""

    @pytest.fixture(name=name)
    def person(world, db):
        return User.objects.get(pk=getattr(world, name).pk)

    return person


firm = pytest.fixture(lambda world, db: world.firm, name="firm")
client_a = pytest.fixture(lambda world, db: world.client_a, name="client_a")
client_b = pytest.fixture(lambda world, db: world.client_b, name="client_b")
analyst = _person("analyst")
reviewer = _person("reviewer")
reviewer2 = _person("reviewer2")
client_user_a = _person("client_user_a")
client_user_b = _person("client_user_b")
other_firm_analyst = _person("other_firm_analyst")


@dataclass(frozen=True)
class Req:
    """One request a route accepts. `body` and `url` take a client's data (see conftest): `url` gives the
    URL kwargs this request sets on top of the route's (e.g. which action, which claim)."""

    method: str = "get"
    body: Callable | None = None
    url: Callable | None = None
    client_user_may: bool = False  # a client user may make it on their own client's objects
    # Made by the firm's staff on their client's data, it changes that data; False where the claim given is
    # in a status that refuses it (the refusal is then a message, not a 404).
    changes: bool = True
    label: str = ""

    @property
    def id(self) -> str:
        return self.method + (f"-{self.label}" if self.label else "")


GET = Req()


def marker(d) -> str:
    return d.marker


@dataclass(frozen=True)
class Route:
    """How to reach one client's objects through a route: URL kwargs from that client's rows (`kwargs`), the
    requests to try, the kwargs naming an object inside the client (`object_kwargs`), whether it is firm
    work that client users never see (`staff_only`), who of the firm makes the requests when the test needs
    someone allowed (`staff`), and text the response shows for the client's own objects (`shows`)."""

    kwargs: Callable
    requests: tuple[Req, ...] = (GET,)
    object_kwargs: tuple[str, ...] = ()
    staff_only: bool = False
    staff: str = "analyst"
    shows: Callable = field(default=marker)

    def url_kwargs(self, d, req: Req) -> dict:
        return {**self.kwargs(d), **(req.url(d) if req.url else {})}


def pdf_file(name="x.pdf"):
    return SimpleUploadedFile(name, PDF + name.encode(), "application/pdf")


def imports_csv(d):
    return SimpleUploadedFile(
        "more-imports.csv",
        b"entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty\n"
        + f"{d.entry.entry_number},9,2024-03-01,6109100012,5,DOZ,500.00,82.50\n".encode(),
        "text/csv",
    )


def document_body(d):
    return {"file": pdf_file(), "doc_type": "invoice"}


def mapping_fields(d):
    """The mapping form as posted: each column of the rejected file mapped to the field of its name."""
    return {f"field_{header}": header for header in upload_headers(upload=d.upload)}


def feed_body(d):
    return {
        "name": f"{d.marker} new feed",
        "source": "folder",
        "location": "es003",
        "kind": "es003",
        "pattern": "*.csv",
        "doc_type": "other",
        "every_minutes": "60",
        "is_active": "on",
    }


def notice_fields(d, api=False):
    """A CBP notice of liquidation of the filed claim, as the page's form or the API takes it."""
    import json

    from django.utils import timezone

    amounts = {t.accounting_class: str(t.claim_amount) for t in d.filed.class_totals.all()}
    fields = {"kind": "liquidation", "notice_date": timezone.localdate().isoformat()}
    if api:
        return {**fields, "amounts": json.dumps(amounts)}
    return {**fields, **{f"amount_{cls}": amount for cls, amount in amounts.items()}}


def ticked(level):
    return [item.pk for item in checklist_items(level)]


def latest_preflight_at(d) -> str:
    """A pre-flight run names no client: it is told apart by its time, as the API writes it."""
    run = d.claim.preflight_runs.order_by("-at", "-id").first()
    return DateTimeField().to_representation(run.at)


def first_move_at(d) -> str:
    move = d.claim.transitions.order_by("at", "id").first()
    return DateTimeField().to_representation(move.at)


CODE = lambda d: {"code": d.client.code}  # noqa: E731
API_CODE = lambda d: {"client_code": d.client.code}  # noqa: E731
DRAFT = lambda d: {"pk": d.draft.pk}  # noqa: E731
FILED = lambda d: {"pk": d.filed.pk}  # noqa: E731
BUILD = lambda d: {"code": d.client.code, "pk": d.build.pk}  # noqa: E731
BUILD_FORM = {"filing_date": "2026-11-26", "drawback_port": "1001", "method": "optimal"}


def action(name, claim="draft", body=None, changes=True):
    return Req(
        "post",
        body=body,
        url=lambda d: {"action": name, "pk": getattr(d, claim).pk},
        changes=changes,
        label=name,
    )


SCOPED = {
    # --- pages: client overview, import data, documents, exports
    "client_overview": Route(kwargs=CODE, shows=lambda d: d.client.legal_name),
    "imports:line_list": Route(kwargs=CODE),
    "imports:entry_detail": Route(
        kwargs=lambda d: {"code": d.client.code, "entry_number": d.entry.entry_number},
        object_kwargs=("entry_number",),
    ),
    "imports:document_list": Route(
        kwargs=CODE, requests=(GET, Req("post", body=document_body, client_user_may=True))
    ),
    "imports:document_download": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk}, object_kwargs=("pk",)
    ),
    "imports:document_attach": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk},
        # Client users attach only documents they uploaded; this one the firm uploaded.
        requests=(Req("post", body=lambda d: {"export_ref": d.export.export_ref}),),
        object_kwargs=("pk",),
    ),
    "imports:document_detach": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk},
        requests=(Req("post", body=lambda d: {"entry": d.entry.pk}),),
        object_kwargs=("pk",),
    ),
    "imports:document_delete": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk},
        requests=(Req("post"),),
        object_kwargs=("pk",),
    ),
    "exports:export_list": Route(kwargs=CODE),
    "exports:export_detail": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.export.pk}, object_kwargs=("pk",)
    ),
    # --- pages: uploads
    "client-uploads": Route(
        kwargs=CODE,
        requests=(GET, Req("post", body=lambda d: {"kind": "imports", "file": imports_csv(d)})),
    ),
    "client-upload-detail": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.upload.pk}, object_kwargs=("pk",)
    ),
    "client-upload-mapping": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.upload.pk},
        requests=(Req("post", body=lambda d: {"name": "Their layout", **mapping_fields(d)}),),
        object_kwargs=("pk",),
    ),
    "client-upload-rejects": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.upload.pk}, object_kwargs=("pk",)
    ),
    # --- pages: data feeds (firm configuration)
    "client-feed-create": Route(
        kwargs=CODE,
        requests=(GET, Req("post", body=feed_body)),
        staff_only=True,
        shows=lambda d: d.client.legal_name,
    ),
    "client-feed-detail": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.feed.pk},
        requests=(GET, Req("post", body=lambda d: {**feed_body(d), "name": d.feed.name, "pattern": "*.txt"})),
        object_kwargs=("pk",),
        staff_only=True,
        shows=lambda d: d.feed.name,
    ),
    "client-feed-poll": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.feed.pk},
        requests=(Req("post"),),
        object_kwargs=("pk",),
        staff_only=True,
    ),
    # --- pages: findings
    "findings:finding-list": Route(kwargs=CODE),
    "findings:assess-now": Route(kwargs=CODE, requests=(Req("post"),)),
    "findings:finding-acknowledge": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.warning.pk},
        requests=(Req("post", body=lambda d: {"comment": "Reviewed with the broker"}),),
        object_kwargs=("pk",),
    ),
    # --- pages: claims, review, filing package
    "claims:list": Route(kwargs=CODE, shows=lambda d: d.claim.display_number),
    "claims:detail": Route(kwargs=lambda d: {"code": d.client.code, "pk": d.claim.pk}, object_kwargs=("pk",)),
    "claims:action": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.draft.pk, "action": "validate"},
        requests=(
            action("validate"),
            action("preflight"),
            action("submit", changes=False),  # a draft is validated first
            action("reopen", changes=False),  # it is a draft already
            action("withdraw", body=lambda d: {"reason": "client asked"}),
            action("correct", claim="filed"),
            action("accelerated_payment_request"),
            action("accelerated_payment_stop", changes=False),  # the draft does not ask for it
        ),
        object_kwargs=("pk",),
    ),
    "claims:designation-remove": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.draft.pk, "designation_pk": d.draft_designation.pk},
        requests=(Req("post"),),
        object_kwargs=("pk", "designation_pk"),
    ),
    "reviews:form": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.claim.pk},
        requests=(
            GET,
            Req("post", body=lambda d: {"decision": "approve", "item": ticked(1)}, label="approve"),
            Req("post", body=lambda d: {"decision": "return", "comment": "Recheck"}, label="return"),
        ),
        object_kwargs=("pk",),
        staff_only=True,
        staff="reviewer",
    ),
    "filing:claim_files": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.filed.pk},
        object_kwargs=("pk",),
        shows=lambda d: d.package.original_name,
    ),
    "filing:claim_file_download": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.filed.pk, "doc_id": d.package.pk},
        object_kwargs=("pk", "doc_id"),
    ),
    "filing:claim_package_build": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.filed.pk},
        requests=(Req("post", changes=False),),  # a filed claim's package is kept as transmitted
        object_kwargs=("pk",),
    ),
    # --- pages: the claim's life with CBP (bare claim and request ids)
    "cbp:claim_cbp": Route(kwargs=FILED, shows=lambda d: d.cbp_request.reference),
    "cbp:claim_file": Route(kwargs=FILED, requests=(Req("post", changes=False),)),  # filed already
    "cbp:notice_enter": Route(
        kwargs=FILED, requests=(Req("post", body=lambda d: {**notice_fields(d), "document": pdf_file()}),)
    ),
    "cbp:notice_confirm": Route(kwargs=lambda d: {"pk": d.cbp_notice.pk}, requests=(Req("post"),)),
    "cbp:notice_discard": Route(kwargs=lambda d: {"pk": d.cbp_notice.pk}, requests=(Req("post"),)),
    "api-claim-cbp-notices": Route(
        kwargs=FILED,
        requests=(GET, Req("post", body=lambda d: {**notice_fields(d, api=True), "document": pdf_file()})),
        shows=lambda d: d.cbp_notice.reference,
    ),
    "api-cbp-notice-confirm": Route(kwargs=lambda d: {"pk": d.cbp_notice.pk}, requests=(Req("post"),)),
    "cbp:request_detail": Route(
        kwargs=lambda d: {"pk": d.cbp_request.pk},
        requests=(
            GET,
            Req(
                "post",
                body=lambda d: {"action": "respond", "response_text": "Invoices attached"},
                label="respond",
            ),
            Req("post", body=lambda d: {"action": "assign", "assigned_to": ""}, label="assign"),
            Req(
                "post",
                body=lambda d: {"action": "attach", "file": pdf_file("invoices.pdf"), "note": "invoices"},
                client_user_may=True,
                label="attach",
            ),
        ),
        shows=lambda d: d.cbp_request.reference,
    ),
    # --- API: per client
    "api-client-detail": Route(kwargs=CODE, shows=lambda d: d.client.legal_name),
    "api-entry-list": Route(kwargs=API_CODE),
    "api-entry-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "entry_number": d.entry.entry_number},
        object_kwargs=("entry_number",),
    ),
    "api-line-list": Route(kwargs=API_CODE),
    "api-line-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.line.pk}, object_kwargs=("pk",)
    ),
    "api-export-list": Route(kwargs=API_CODE),
    "api-export-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.export.pk}, object_kwargs=("pk",)
    ),
    "api-document-list": Route(
        kwargs=API_CODE, requests=(GET, Req("post", body=document_body, client_user_may=True))
    ),
    "api-document-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.document.pk},
        requests=(GET, Req("delete")),
        object_kwargs=("pk",),
    ),
    "api-document-download": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.document.pk}, object_kwargs=("pk",)
    ),
    "api-document-attach": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.document.pk},
        requests=(Req("post", body=lambda d: {"export_ids": [d.export.pk]}),),
        object_kwargs=("pk",),
    ),
    "api-client-uploads": Route(
        kwargs=CODE,
        requests=(GET, Req("post", body=lambda d: {"kind": "imports", "file": imports_csv(d)})),
    ),
    "api-client-mappings": Route(
        kwargs=CODE,
        requests=(
            GET,
            Req(
                "post",
                body=lambda d: {
                    "kind": "imports",
                    "name": "Their layout",
                    "mapping": {k.removeprefix("field_"): v for k, v in mapping_fields(d).items()},
                },
            ),
        ),
    ),
    "findings-api:finding-list": Route(kwargs=CODE),
    "findings-api:risk-summary": Route(kwargs=CODE, shows=lambda d: d.client.code),
    "findings-api:assess": Route(kwargs=CODE, requests=(Req("post"),)),
    # --- API: bare object ids
    "api-upload-detail": Route(kwargs=lambda d: {"pk": d.upload.pk}),
    "api-upload-rejects": Route(kwargs=lambda d: {"pk": d.upload.pk}),
    "findings-api:finding-acknowledge": Route(
        kwargs=lambda d: {"pk": d.warning.pk},
        requests=(Req("post", body=lambda d: {"comment": "Reviewed with the broker"}),),
    ),
    "api-claim": Route(kwargs=lambda d: {"pk": d.claim.pk}),
    "api-claim-designations": Route(
        kwargs=lambda d: {"pk": d.claim.pk}, shows=lambda d: d.designation.export.export_ref
    ),
    "api-claim-transitions": Route(
        kwargs=lambda d: {"pk": d.claim.pk},
        requests=(
            GET,
            Req("post", body=lambda d: {"to": "withdrawn", "reason": "client asked"}, url=DRAFT),
        ),
        # Told apart by the time of its first move: a client user reads the moves without the firm's notes.
        shows=first_move_at,
    ),
    "api-claim-preflight": Route(
        kwargs=lambda d: {"pk": d.claim.pk},
        requests=(GET, Req("post", url=DRAFT)),
        shows=latest_preflight_at,
    ),
    "api-claim-correction": Route(kwargs=FILED, requests=(Req("post"),)),
    # Reviews and their comments are the firm's work (a client user sees the claim without them).
    "api-claim-reviews": Route(kwargs=lambda d: {"pk": d.claim.pk}, staff_only=True),
    "api-review-approve": Route(
        kwargs=lambda d: {"pk": d.claim.pk},
        requests=(Req("post", body=lambda d: {"level": 1, "ticked": ticked(1)}),),
        staff="reviewer",
    ),
    "api-review-return": Route(
        kwargs=lambda d: {"pk": d.claim.pk},
        requests=(Req("post", body=lambda d: {"comment": "Recheck the export value"}),),
        staff="reviewer",
    ),
    # --- claim building and money at risk
    "claims:build": Route(
        kwargs=CODE,
        requests=(GET, Req("post", body=lambda d: dict(BUILD_FORM))),
        staff_only=True,
        shows=lambda d: d.client.legal_name,
    ),
    "claims:build-detail": Route(
        kwargs=BUILD, object_kwargs=("pk",), staff_only=True, shows=lambda d: d.client.legal_name
    ),
    "claims:build-status": Route(
        kwargs=BUILD, object_kwargs=("pk",), staff_only=True, shows=lambda d: f'"client": "{d.client.code}"'
    ),
    "claims:build-rerun": Route(
        kwargs=BUILD,
        requests=(Req("post", body=lambda d: {"action": "again"}),),
        object_kwargs=("pk",),
        staff_only=True,
    ),
    "claims:build-save": Route(kwargs=BUILD, requests=(Req("post"),), object_kwargs=("pk",), staff_only=True),
    "claims:money-at-risk": Route(kwargs=CODE, shows=lambda d: d.client.legal_name),
    "claims:types": Route(kwargs=CODE, staff_only=True, shows=lambda d: d.client.legal_name),
    "claims:types-run": Route(
        kwargs=CODE, requests=(Req("post", body=lambda d: {"filing_date": "2026-11-26"}),), staff_only=True
    ),
    "claims:types-save": Route(
        kwargs=CODE, requests=(Req("post", body=lambda d: {"run": d.type_choice.pk}),), staff_only=True
    ),
    # --- manufacturing records: pages and API (read-only; the client's users read their own)
    "claims:boms": Route(kwargs=CODE),
    "claims:bom": Route(kwargs=lambda d: {"code": d.client.code, "pk": d.bom.pk}, object_kwargs=("pk",)),
    "claims:lots": Route(kwargs=CODE),
    "claims:lot": Route(kwargs=lambda d: {"code": d.client.code, "pk": d.lot.pk}, object_kwargs=("pk",)),
    "claims:returns": Route(kwargs=CODE),
    "api-bom-list": Route(kwargs=API_CODE),
    "api-bom-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.bom.pk}, object_kwargs=("pk",)
    ),
    "api-production-lot-list": Route(kwargs=API_CODE),
    "api-production-lot-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.lot.pk}, object_kwargs=("pk",)
    ),
    "api-rejected-return-list": Route(kwargs=API_CODE),
    "api-rejected-return-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.rejected_return.pk}, object_kwargs=("pk",)
    ),
    "api-claim-build-list": Route(
        kwargs=API_CODE,
        requests=(GET, Req("post", body=lambda d: {"filing_date": "2026-11-26"})),
        staff_only=True,
        shows=lambda d: f'"client":"{d.client.code}"',
    ),
    "api-claim-build-detail": Route(
        kwargs=lambda d: {"pk": d.build.pk}, staff_only=True, shows=lambda d: f'"client":"{d.client.code}"'
    ),
    "api-claim-build-designations": Route(
        kwargs=lambda d: {"pk": d.build.pk},
        staff_only=True,
        shows=lambda d: f'"export_ref":"{d.export.export_ref}"',
    ),
    "api-claim-build-save": Route(
        kwargs=lambda d: {"pk": d.build.pk}, requests=(Req("post"),), staff_only=True
    ),
    "api-money-at-risk": Route(kwargs=API_CODE, shows=lambda d: f'"client":"{d.client.code}"'),
    "api-type-choice-start": Route(
        kwargs=API_CODE,
        requests=(Req("post", body=lambda d: {"filing_date": "2026-11-26"}),),
        staff_only=True,
    ),
    "api-type-choice-latest": Route(
        kwargs=API_CODE, staff_only=True, shows=lambda d: f'"client":"{d.client.code}"'
    ),
    "api-type-choice-save": Route(
        kwargs=lambda d: {"pk": d.type_choice.pk}, requests=(Req("post"),), staff_only=True
    ),
    "api-claim-cbp": Route(kwargs=FILED, shows=lambda d: d.cbp_request.reference),
    # --- the claim's life after liquidation, CBP request documents, progress of work
    "cbp:protest_record": Route(
        kwargs=lambda d: {"pk": d.liquidated.pk},
        requests=(
            Req(
                "post",
                body=lambda d: {
                    "number": "2704-26-100456",
                    "filed_on": d.liquidated.liquidation.liquidated_on.isoformat(),
                    "grounds": "Class 364 reduced without reason",
                },
            ),
        ),
    ),
    "cbp:protest_decision": Route(
        kwargs=lambda d: {"pk": d.protest.pk},
        requests=(
            Req(
                "post",
                body=lambda d: {"decision": "denied", "decided_on": d.protest.filed_on.isoformat()},
            ),
        ),
    ),
    "cbp:protest_decision_confirm": Route(
        kwargs=lambda d: {"pk": d.decided_protest.pk}, requests=(Req("post"),)
    ),
    "cbp:protest_decision_discard": Route(
        kwargs=lambda d: {"pk": d.decided_protest.pk}, requests=(Req("post"),)
    ),
    "cbp:request_document_download": Route(
        kwargs=lambda d: {"pk": d.cbp_request.pk, "doc_id": d.request_document.pk},
        object_kwargs=("doc_id",),
        shows=lambda d: f"{d.marker} bill of lading",
    ),
    "jobs:status": Route(kwargs=lambda d: {"pk": d.job.pk}, shows=lambda d: f'"id": {d.job.pk}'),
    "api-job-detail": Route(kwargs=lambda d: {"pk": d.job.pk}, shows=lambda d: f'"id":{d.job.pk},'),
    "api-cbp-request-respond": Route(
        kwargs=lambda d: {"pk": d.cbp_request.pk},
        requests=(Req("post", body=lambda d: {"response_text": "Invoices attached"}),),
    ),
    # --- client portal: applications and rulings, the dashboard, projections, digest preferences
    "privileges:list": Route(kwargs=CODE, shows=lambda d: d.privilege.reference),
    "privileges:new": Route(
        kwargs=CODE,
        requests=(
            GET,
            Req(
                "post",
                body=lambda d: {"kind": "compliance_program", "status": "drafting", "reference": "NEW"},
            ),
        ),
        staff_only=True,
        shows=lambda d: d.client.legal_name,
    ),
    "privileges:detail": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.privilege.pk},
        requests=(
            GET,
            Req(
                "post",
                body=lambda d: {"action": "status", "to": "submitted", "on": "2026-11-02"},
                label="status",
            ),
            Req("post", body=lambda d: {"action": "edit", "reference": f"{d.marker}-WPN-2"}, label="edit"),
            Req(
                "post",
                body=lambda d: {"action": "attach", "file": pdf_file("letter.pdf"), "doc_type": "cbp"},
                label="attach",
            ),
        ),
        object_kwargs=("pk",),
        shows=lambda d: d.privilege.reference,
    ),
    "dashboards:projections": Route(kwargs=CODE, shows=lambda d: d.client.legal_name),
    "dashboards:estimate-refresh": Route(kwargs=CODE, requests=(Req("post"),)),
    "dashboards:pdf": Route(kwargs=CODE, shows=lambda d: d.client.legal_name),
    "dashboards:xlsx": Route(kwargs=CODE, shows=lambda d: d.privilege.reference),
    "dashboards:contacts": Route(
        kwargs=CODE,
        requests=(GET, Req("post", body=lambda d: {"email": d.contact, "frequency": "weekly"})),
        staff_only=True,
        shows=lambda d: d.contact,
    ),
    # --- IEEPA refunds (CAPE)
    "cape:page": Route(kwargs=CODE, shows=lambda d: d.cape_entry.display_number),
    "cape:declarations-create": Route(kwargs=CODE, requests=(Req("post"),), staff_only=True),
    "cape:declaration-action": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.cape_declaration.pk},
        requests=(
            Req(
                "post",
                body=lambda d: {"action": "submitted", "submitted_on": "2026-11-02", "ace_reference": "X1"},
                label="submitted",
            ),
            Req("post", body=lambda d: {"action": "discard"}, label="discard"),
        ),
        object_kwargs=("pk",),
        staff_only=True,
    ),
    "cape:declaration-download": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.cape_declaration.pk},
        object_kwargs=("pk",),
        shows=lambda d: d.cape_entry.entry_number,
    ),
    "cape:entry-action": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.cape_waiting.pk},
        requests=(Req("post", body=lambda d: {"action": "release", "reason": "counsel"}, label="release"),),
        object_kwargs=("pk",),
        staff_only=True,
    ),
    "api-cape-entries": Route(kwargs=API_CODE, shows=lambda d: d.cape_entry.entry_number),
    "api-privileges": Route(kwargs=API_CODE, shows=lambda d: d.privilege.reference),
    "api-privilege-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.privilege.pk},
        object_kwargs=("pk",),
        shows=lambda d: d.privilege.reference,
    ),
    "api-dashboard": Route(kwargs=API_CODE, shows=lambda d: f'"client":"{d.client.code}"'),
    "api-projections": Route(kwargs=API_CODE, shows=lambda d: f'"client":"{d.client.code}"'),
    "api-projection-snapshots": Route(kwargs=API_CODE, shows=lambda d: f'"client":"{d.client.code}"'),
    "api-projection-snapshot": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.snapshot.pk},
        object_kwargs=("pk",),
        shows=lambda d: f'"client":"{d.client.code}"',
    ),
}


@dataclass(frozen=True)
class FirmList:
    """A firm-wide list: `shows` is how one client's row appears in it; client users either see their own
    client's rows (`client_users`) or get 404."""

    shows: Callable
    kwargs: dict = field(default_factory=dict)
    queries: tuple[dict, ...] = ({},)
    client_users: bool = True


# Routes that take no client or object. Firm-wide lists carry how a client's rows show in them; the home
# page and the API client list have their own tests below.
UNSCOPED = {
    "home": None,
    "login": None,
    "logout": None,
    # Password reset and the icon: no client data (tests/web/test_password_reset.py).
    "password_reset": None,
    "password_reset_done": None,
    "password_reset_confirm": None,
    "password_reset_complete": None,
    "favicon": None,
    "api-token": None,
    "api-client-list": None,
    "api-schema": None,
    "api-docs": None,
    "api-review-checklist": None,  # the firm's checklist questions, no client data: staff only, below
    "cbp:poll": None,  # asks CBP about every open claim: staff only, below
    "cbp:notifications_read": None,  # marks the user's own notifications: tested below
    # The HTS tariff is every firm's, loaded by a platform administrator: every firm's staff read its
    # uploads, client users none (tested below).
    "tariff-uploads": None,
    "api-tariff-uploads": None,
    "tariff-upload-detail": None,
    "tariff-upload-rejects": None,
    "reviews:queue": FirmList(
        shows=lambda d: d.claim.display_number, kwargs={"level": 1}, client_users=False
    ),
    "api-review-queue": FirmList(
        shows=lambda d: d.claim.display_number, kwargs={"level": 1}, client_users=False
    ),
    "cbp:request_list": FirmList(shows=lambda d: d.cbp_request.reference),
    "api-cbp-requests": FirmList(
        shows=lambda d: d.cbp_request.reference, queries=({}, {"overdue": "1"}, {"status": "open"})
    ),
    "cbp:notification_list": FirmList(shows=lambda d: d.filed.display_number),
    "api-claims": FirmList(shows=lambda d: d.claim.number, queries=({}, {"client": "borealis"})),
    "dashboards:money-at-risk": FirmList(shows=lambda d: d.client.legal_name, client_users=False),
    "dashboards:digest-opt-out": None,  # a signed token names the client and address: tests/dashboards
    # Public pages of the prospects' path (no account; a prospect reaches only the assessment their session
    # holds) and the firm's leads (firm staff only, their own firm's): tested at the end of this module.
    **dict.fromkeys(
        [
            "prospects:landing",
            "prospects:questionnaire",
            "prospects:questionnaire_result",
            "prospects:assessment",
            "prospects:assessment_step",
            "prospects:assessment_file_upload",
            "prospects:assessment_file_delete",
            "prospects:assessment_save",
            "prospects:assessment_resume",
            "prospects:assessment_status",
            "prospects:assessment_progress",
            "prospects:faq",
            "prospects:invitation",
            "prospects:lead_list",
            "prospects:lead_detail",
            "prospects:lead_update",
            "prospects:lead_note",
            "prospects:lead_estimate",
            "prospects:lead_estimate_progress",
            "prospects:lead_release",
            "prospects:lead_convert",
            "prospects:lead_invite",
            "prospects:lead_file",
        ]
    ),
}


def named_patterns(patterns=None, namespace=""):
    """Every URL pattern's full name ("ns:name"), the admin's apart; an unnamed one by its route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>"


def test_every_url_pattern_is_covered():
    names = set(named_patterns())
    assert names - set(SCOPED) - set(UNSCOPED) == set(), "add these routes to the tenancy tests"
    assert set(SCOPED) | set(UNSCOPED) <= names, "routes listed here no longer exist"
    assert not set(SCOPED) & set(UNSCOPED)


# --- making requests and seeing what they changed


def send(http, method, url, body, d):
    payload = body(d) if body else {}
    if method == "get":
        return http.get(url)
    if url.startswith("/api/"):
        fmt = "multipart" if any(hasattr(v, "read") for v in payload.values()) else "json"
        return getattr(http, method)(url, payload, format=fmt)
    return getattr(http, method)(url, payload)


@pytest.fixture
def call(request, client, api, django_capture_on_commit_callbacks):
    """`call(user, name, req, d)` makes one of a route's requests as `user` (a fixture name; None for no
    one), for client data `d` or with the URL kwargs given. What the request queues to run after commit
    (an assessment, a package build, an upload's processing) runs too, so its effects show in `snapshot`."""

    def make(user, name, req, d, kwargs=None):
        url = reverse(name, kwargs=kwargs if kwargs is not None else SCOPED[name].url_kwargs(d, req))
        http = api if url.startswith("/api/") else client
        if user:
            http.force_login(request.getfixturevalue(user))
        with django_capture_on_commit_callbacks(execute=True):
            return send(http, req.method, url, req.body, d)

    return make


def body_of(response) -> bytes:
    """The response's bytes; a PDF's streams and an Excel workbook's sheets opened up, so text in them
    (the PDF's title, the cells) can be looked for."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        import re
        import zlib

        parts = [body]
        for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
            try:
                parts.append(zlib.decompress(stream.group(1)))
            except zlib.error:
                continue
        return b"".join(parts)
    if kind.startswith("application/vnd.openxmlformats"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return body


def snapshot(d) -> dict:
    """Everything of one client a refused request must leave as it was."""
    client = d.client
    claims = Claim.objects.filter(client=client)
    requests = CbpRequest.objects.filter(claim__client=client).order_by("pk")
    return {
        "documents": sorted(Document.objects.filter(client=client).values_list("pk", "note")),
        # Which documents (anyone's) hang on the client's entries, exports and claims, and where the
        # client's documents hang.
        "document links": sorted(
            (model.__name__, link)
            for model in (ImportEntry, Export, Claim)
            for link in model.documents.through.objects.filter(
                Q(**{f"{model._meta.model_name}__client": client}) | Q(document__client=client)
            ).values_list(f"{model._meta.model_name}_id", "document_id")
        ),
        "entries": ImportEntry.objects.filter(client=client).count(),
        "lines": sorted(ImportLine.objects.filter(client=client).values_list("pk", "quantity_available")),
        "exports": sorted(Export.objects.filter(client=client).values_list("pk", "quantity_available")),
        "findings": sorted(Finding.objects.filter(client=client).values_list("pk", "status", "comment")),
        "claims": sorted(claims.values_list("pk", "status", "replaces")),
        "designations": sorted(Designation.objects.filter(claim__in=claims).values_list("pk", "quantity")),
        "class totals": sorted(
            ClaimClassTotal.objects.filter(claim__in=claims).values_list("pk", "claim_amount")
        ),
        "pre-flight runs": PreflightRun.objects.filter(claim__in=claims).count(),
        "reviews": sorted(Review.objects.filter(claim__in=claims).values_list("pk", "decision")),
        "review comments": ReviewComment.objects.filter(claim__in=claims).count(),
        "uploads": sorted(Upload.objects.filter(client=client).values_list("pk", "status")),
        "mappings": sorted(ColumnMapping.objects.filter(client=client).values_list("pk", "name", "mapping")),
        "feeds": sorted(
            DataFeed.objects.filter(client=client).values_list("pk", "name", "pattern", "last_result")
        ),
        "cbp requests": [
            (
                r.pk,
                r.status,
                r.response_text,
                r.assigned_to_id,
                sorted(r.documents.values_list("pk", flat=True)),
            )
            for r in requests
        ],
        "cbp transmissions": CbpTransmission.objects.filter(claim__in=claims).count(),
        "cbp notices": sorted(CbpNotice.objects.filter(claim__in=claims).values_list("pk", "status")),
        "claim builds": sorted(ClaimBuild.objects.filter(client=client).values_list("pk", "status")),
        "cbp messages": CbpMessage.objects.filter(claim__in=claims).count(),
        "protests": sorted(
            Protest.objects.filter(claim__in=claims).values_list("pk", "decision", "confirmed_at")
        ),
        "jobs": Job.objects.filter(client=client).count(),
        "type choices": sorted(TypeChoiceRun.objects.filter(client=client).values_list("pk", "status")),
        "notifications": sorted(
            Notification.objects.filter(claim__in=claims).values_list("pk", "user", "read_at")
        ),
        "accelerated payment asked": sorted(claims.values_list("pk", "accelerated_payment")),
        "privileges": sorted(
            Privilege.objects.filter(client=client).values_list("pk", "status", "reference", "submitted_on")
        ),
        "privilege documents": sorted(
            Privilege.documents.through.objects.filter(privilege__client=client).values_list(
                "privilege_id", "document_id"
            )
        ),
        "digest preferences": sorted(
            DigestSubscription.objects.filter(client=client).values_list("email", "frequency", "opted_out_at")
        ),
        "estimates": list(ClientEstimate.objects.filter(client=client).values_list("computed_at", flat=True)),
        "projection snapshots": ProjectionSnapshot.objects.filter(client=client).count(),
        "cape entries": sorted(
            CapeEntry.objects.filter(client=client).values_list(
                "pk", "status", "declaration", "release_reason"
            )
        ),
        "cape declarations": sorted(
            CapeDeclaration.objects.filter(client=client).values_list("pk", "submitted_on", "ace_reference")
        ),
    }


def refused(response, d_other, before):
    """A refusal as the boundary gives it: 404, nothing of the other client shown, nothing changed."""
    assert response.status_code == 404, response.status_code
    content = response.content
    assert d_other.marker.encode() not in content
    assert snapshot(d_other) == before


def cases(routes, keep=lambda route, req: True):
    return [
        pytest.param(name, i, id=f"{name}-{req.id}")
        for name, route in routes.items()
        for i, req in enumerate(route.requests)
        if keep(route, req)
    ]


# --- another client's objects


@pytest.mark.parametrize("user", ["client_user_a", "other_firm_analyst"])
@pytest.mark.parametrize("name,index", cases(SCOPED))
def test_other_clients_objects_are_not_found(data, call, name, index, user):
    """client_user_a (and staff of another firm) get 404 for client_b's pages, objects and writes, and
    client_b's data stays as it was. This covers the routes that take a bare object id too."""
    route, req = SCOPED[name], SCOPED[name].requests[index]
    before = snapshot(data.b)
    response = call(user, name, req, data.b)
    refused(response, data.b, before)
    assert route.shows(data.b).encode() not in response.content


def _under_own_code_cases():
    out = []
    for name, route in SCOPED.items():
        keys = route.object_kwargs
        variants = [(k,) for k in keys] + ([keys] if len(keys) > 1 else [])
        for i, req in enumerate(route.requests):
            for user in ("client_user_a", "analyst"):
                for swap in variants:
                    out.append(
                        pytest.param(name, i, user, swap, id=f"{user}-{name}-{req.id}-{'+'.join(swap)}")
                    )
    return out


@pytest.mark.parametrize("name,index,user,swap", _under_own_code_cases())
def test_other_clients_object_under_own_client_code_is_not_found(data, call, name, index, user, swap):
    """Addressing client_b's object under client_a's code (a guessed id) is 404, even for firm staff who
    may see both clients: an object is only ever reached through its own client. Each object id of the URL
    is swapped alone (client_a's claim with client_b's designation, ...) and all together."""
    route, req = SCOPED[name], SCOPED[name].requests[index]
    kwargs = route.url_kwargs(data.a, req)
    b_kwargs = route.url_kwargs(data.b, req)
    for key in swap:
        kwargs[key] = b_kwargs[key]
    before = snapshot(data.b)
    refused(call(user, name, req, data.a, kwargs), data.b, before)


# --- the same requests where they are allowed: each 404 above comes from the boundary


READS = [pytest.param(name, id=name) for name, route in SCOPED.items() if GET in route.requests]


@pytest.mark.parametrize("name", READS)
def test_own_client_is_readable_and_shows_no_other_clients_rows(data, call, name):
    """A client user reads their own client's pages and objects (firm staff the firm-only ones), and sees
    nothing of client_b in them."""
    route = SCOPED[name]
    response = call(route.staff if route.staff_only else "client_user_a", name, GET, data.a)
    assert response.status_code == 200
    body = body_of(response)
    assert route.shows(data.a).encode() in body, name  # the list or object shows client_a's own rows
    assert b"BRAVO" not in body and route.shows(data.b).encode() not in body
    if not route.staff_only:
        assert b"borealis" not in body.lower()


WRITES = cases(SCOPED, keep=lambda route, req: req.method != "get")


@pytest.mark.parametrize("name,index", WRITES)
def test_firm_staff_reach_the_same_objects_with_the_same_requests(data, call, name, index):
    """The writes refused above reach their object when the firm's staff make them on the client's own
    data, and those that change data change what `snapshot` watches: so the refusals are the boundary's
    doing, and a write let through would have been seen."""
    route, req = SCOPED[name], SCOPED[name].requests[index]
    before = snapshot(data.a)
    response = call(route.staff, name, req, data.a)
    assert response.status_code not in (403, 404, 405) and response.status_code < 500, response.status_code
    if req.changes:
        assert snapshot(data.a) != before
    else:
        assert response.status_code in (200, 202, 302)


# --- roles: a client user reads their own client's data and writes documents only


@pytest.mark.parametrize(
    "name,index", cases(SCOPED, keep=lambda route, req: req.method != "get" and not req.client_user_may)
)
def test_client_user_cannot_write_on_their_own_client(data, call, name, index):
    """Client users do not review, file, respond to CBP, acknowledge, assess, upload data files, map
    columns, move claims or change documents the firm stored: 404, and their client's data is unchanged."""
    req = SCOPED[name].requests[index]
    before = snapshot(data.a)
    response = call("client_user_a", name, req, data.a)
    assert response.status_code == 404, response.status_code
    assert snapshot(data.a) == before


@pytest.mark.parametrize("name,index", cases(SCOPED, keep=lambda route, req: req.client_user_may))
def test_client_user_writes_documents_on_their_own_client(data, call, client_user_a, name, index):
    response = call("client_user_a", name, SCOPED[name].requests[index], data.a)
    assert response.status_code in (201, 302), response.status_code
    assert Document.objects.filter(client=data.a.client, uploaded_by=client_user_a).count() == 1


@pytest.mark.parametrize(
    "method,url,body",
    [
        ("post", "/cbp/poll/", {}),
        ("get", "/api/v1/reviews/checklists/1/", None),
        ("get", "/reviews/level-2/", None),
        ("get", "/api/v1/reviews/queue/2/", None),
        ("get", "/tariff/uploads/", None),
        ("post", "/tariff/uploads/", "hts"),
        ("get", "/api/v1/tariff/uploads/", None),
        ("post", "/api/v1/tariff/uploads/", "hts"),
    ],
)
def test_firm_work_without_a_client_is_not_found_for_client_users(
    data, client, api, client_user_a, method, url, body
):
    if body == "hts":
        body = {"file": SimpleUploadedFile("hts.csv", b'"HTS Number","Indent","Description"\n', "text/csv")}
    http = api if url.startswith("/api/") else client
    http.force_login(client_user_a)
    uploads = Upload.objects.count()
    if method == "get":
        response = http.get(url)
    else:
        response = http.post(url, body, **({"format": "multipart"} if http is api else {}))
    assert response.status_code == 404
    assert Upload.objects.count() == uploads


def test_firm_staff_poll_and_read_the_checklists(data, client, api, analyst):
    client.force_login(analyst)
    assert client.post("/cbp/poll/").status_code == 302
    api.force_login(analyst)
    assert [i["id"] for i in api.get("/api/v1/reviews/checklists/1/").json()] == ticked(1)


def test_client_user_attaches_documents_to_their_own_cbp_request_only(data, client, client_user_a):
    client.force_login(client_user_a)
    own = client.post(
        f"/cbp-requests/{data.a.cbp_request.pk}/", {"action": "attach", "file": pdf_file("own.pdf")}
    )
    assert own.status_code == 302
    assert set(data.a.cbp_request.documents.values_list("original_name", flat=True)) == {
        "ALPHA-bol.pdf",
        "own.pdf",
    }
    other = client.post(
        f"/cbp-requests/{data.b.cbp_request.pk}/", {"action": "attach", "file": pdf_file("other.pdf")}
    )
    assert other.status_code == 404
    assert list(data.b.cbp_request.documents.values_list("original_name", flat=True)) == ["BRAVO-bol.pdf"]


# --- firm-wide lists

LISTS = [
    pytest.param(name, query, id=f"{name}{'-' + '&'.join(query) if query else ''}")
    for name, spec in UNSCOPED.items()
    if spec
    for query in spec.queries
]


def list_response(http_client, api, user, name, query):
    spec = UNSCOPED[name]
    url = reverse(name, kwargs=spec.kwargs)
    http = api if url.startswith("/api/") else http_client
    http.force_login(user)
    return http.get(url, query)


@pytest.mark.parametrize("name,query", LISTS)
def test_firm_list_shows_staff_their_firms_clients(data, client, api, analyst, name, query):
    body = list_response(client, api, analyst, name, query).content
    spec = UNSCOPED[name]
    assert spec.shows(data.b).encode() in body
    if query.get("client") != "borealis":
        assert spec.shows(data.a).encode() in body


@pytest.mark.parametrize("name,query", LISTS)
def test_firm_list_shows_a_client_user_their_own_rows_only(data, client, api, client_user_a, name, query):
    spec = UNSCOPED[name]
    response = list_response(client, api, client_user_a, name, query)
    if not spec.client_users:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    body = response.content
    assert (
        spec.shows(data.b).encode() not in body and b"BRAVO" not in body and b"borealis" not in body.lower()
    )
    if query.get("client") != "borealis":
        assert spec.shows(data.a).encode() in body


@pytest.mark.parametrize("name,query", LISTS)
def test_firm_list_shows_another_firm_none_of_ours(data, client, api, other_firm_analyst, name, query):
    spec = UNSCOPED[name]
    response = list_response(client, api, other_firm_analyst, name, query)
    assert response.status_code == 200
    for d in (data.a, data.b):
        assert spec.shows(d).encode() not in response.content and d.marker.encode() not in response.content


@pytest.mark.parametrize("name,query", LISTS)
def test_firm_list_sends_anonymous_users_to_log_in(data, client, api, name, query):
    url = reverse(name, kwargs=UNSCOPED[name].kwargs)
    if url.startswith("/api/"):
        assert api.get(url, query).status_code in (401, 403)
    else:
        response = client.get(url, query)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_writes_naming_another_clients_objects_change_nothing_of_theirs(
    data, client, api, analyst, reviewer, other_firm_analyst
):
    """A write on client_a's own object that names client_b's objects in its body is refused (the names
    are looked up inside client_a only) and leaves client_b as it was."""
    a, b = data.a, data.b
    before = snapshot(b)
    api.force_login(reviewer)
    comment_on_theirs = {"comment": "", "line_comments": [{"text": "x", "designation": b.designation.pk}]}
    assert (
        api.post(f"/api/v1/claims/{a.claim.pk}/review/return/", comment_on_theirs, format="json").status_code
        == 400
    )
    api.force_login(analyst)
    attach = api.post(
        f"/api/v1/clients/acme/documents/{a.document.pk}/attach/",
        {"export_ids": [b.export.pk]},
        format="json",
    )
    assert attach.status_code == 400
    client.force_login(analyst)
    client.post(f"/clients/acme/documents/{a.document.pk}/attach/", {"export_ref": b.export.export_ref})
    client.post(f"/clients/acme/documents/{a.document.pk}/detach/", {"entry": b.entry.pk})
    client.post(
        f"/cbp-requests/{a.cbp_request.pk}/", {"action": "assign", "assigned_to": other_firm_analyst.pk}
    )
    assert snapshot(b) == before
    assert CbpRequest.objects.get(pk=a.cbp_request.pk).assigned_to == analyst
    assert Claim.objects.get(pk=a.claim.pk).status == Claim.Status.FIRST_REVIEW


@pytest.mark.parametrize(
    "route", ["tariff-uploads", "api-tariff-uploads", "tariff-upload-detail", "tariff-upload-rejects"]
)
def test_tariff_uploads_are_every_firms_and_no_client_users(
    data, client, api, analyst, other_firm_analyst, client_user_a, route
):
    """The tariff every firm shares is loaded by a platform administrator (or the command line): every
    firm's staff read its history, client users get 404, anonymous users are sent to log in."""
    upload = data.a.tariff_upload
    url = reverse(route, kwargs={} if route.endswith("uploads") else {"pk": upload.pk})
    http = api if url.startswith("/api/") else client
    for user in (analyst, other_firm_analyst):
        http.force_login(user)
        response = http.get(url)
        assert response.status_code == 200
        if not route.endswith("rejects"):
            assert upload.original_name.encode() in response.content
    http.force_login(client_user_a)
    assert http.get(url).status_code == 404
    for route_, kwargs in (
        ("api-upload-detail", {"pk": upload.pk}),
        ("api-upload-rejects", {"pk": upload.pk}),
    ):
        api.force_login(client_user_a)
        assert api.get(reverse(route_, kwargs=kwargs)).status_code == 404
        api.force_login(other_firm_analyst)
        assert api.get(reverse(route_, kwargs=kwargs)).status_code == 200
    http.logout()
    assert http.get(url).status_code in (302, 401, 403)


def test_no_firm_changes_the_tariff_every_firm_shares(data, client, api, analyst, other_firm_analyst):
    """One firm's upload once set 6109.10.00 to 99% for every firm's claims: firm staff are refused."""
    from imports.models import TariffLine

    before = list(TariffLine.objects.values_list("hts", "general_rate").order_by("hts"))
    body = '"HTS Number","Indent","Description","General Rate of Duty"\n"6109.10.00","1","Of cotton","99%"\n'
    for user in (analyst, other_firm_analyst):
        client.force_login(user)
        page = client.post("/tariff/uploads/", {"file": SimpleUploadedFile("hts.csv", body.encode())})
        api.force_login(user)
        response = api.post(
            "/api/v1/tariff/uploads/",
            {"file": SimpleUploadedFile("hts.csv", body.encode())},
            format="multipart",
        )
        assert page.status_code == 403 and response.status_code == 403
    assert list(TariffLine.objects.values_list("hts", "general_rate").order_by("hts")) == before


def test_overdue_badge_counts_the_users_own_clients_requests(data, client, analyst, other_firm_analyst):
    """Both clients' CF-28s are past due: the firm's staff see both counted, another firm none."""
    client.force_login(analyst)
    assert "2 overdue" in client.get("/").content.decode()
    client.force_login(other_firm_analyst)
    page = client.get("/").content.decode()
    assert 'id="cbp-overdue-badge"' in page and "overdue</a>" not in page


def test_notifications_are_marked_read_for_their_own_recipient_only(
    data, client, client_user_a, client_user_b
):
    theirs = Notification.objects.filter(user=client_user_b)
    assert theirs.exists() and not theirs.exclude(read_at=None).exists()
    client.force_login(client_user_a)
    assert client.post("/notifications/read/", {"id": theirs.first().pk}).status_code == 404
    assert client.post("/notifications/read/", {"id": "not a number"}).status_code == 404
    assert client.post("/notifications/read/").status_code == 302  # all of mine
    assert not theirs.exclude(read_at=None).exists()
    mine = Notification.objects.filter(user=client_user_a)
    assert mine.exists() and not mine.filter(read_at=None).exists()


# --- the client lists and the home page


def test_staff_client_list_shows_their_firms_clients_only(data, client, analyst, other_firm_analyst):
    client.force_login(analyst)
    html = client.get("/").content.decode()
    assert "Acme Outfitters" in html and "Borealis Trading" in html and "Outsider" not in html
    client.force_login(other_firm_analyst)
    html = client.get("/").content.decode()
    assert "Outsider" in html and "Acme" not in html and "Borealis" not in html


def test_api_client_list_is_scoped(data, api, analyst, client_user_a):
    api.force_login(analyst)
    assert {c["code"] for c in api.get("/api/v1/clients/").json()} == {"acme", "borealis"}
    api.force_login(client_user_a)
    assert [c["code"] for c in api.get("/api/v1/clients/").json()] == ["acme"]


def test_client_user_home_is_their_clients_page(data, client, client_user_a):
    client.force_login(client_user_a)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/clients/acme/"


@pytest.mark.parametrize("name,index", cases(SCOPED))
def test_anonymous_users_are_sent_to_log_in_or_refused(data, call, name, index):
    req = SCOPED[name].requests[index]
    before = snapshot(data.b)
    response = call(None, name, req, data.b)
    if response.request["PATH_INFO"].startswith("/api/"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert snapshot(data.b) == before


# Roles through the API: nothing but documents is written by a client user.


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/clients/acme/entries/",
        "/api/v1/clients/acme/lines/",
        "/api/v1/clients/acme/exports/",
        "/api/v1/clients/acme/findings/",
        "/api/v1/clients/",
    ],
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_client_user_cannot_write_data_through_the_api(data, api, client_user_a, url, method):
    api.force_login(client_user_a)
    assert getattr(api, method)(url, {}, format="json").status_code == 405


def test_client_user_cannot_change_single_objects_through_the_api(data, api, client_user_a):
    api.force_login(client_user_a)
    a = data.a
    for url in (
        f"/api/v1/clients/acme/entries/{a.entry.entry_number}/",
        f"/api/v1/clients/acme/lines/{a.line.pk}/",
        f"/api/v1/clients/acme/exports/{a.export.pk}/",
    ):
        for method in ("put", "patch", "delete"):
            assert getattr(api, method)(url, {}, format="json").status_code == 405, (url, method)
    assert ImportLine.objects.filter(pk=a.line.pk).exists()


def test_client_user_may_only_attach_documents_they_uploaded(data, client, client_user_a):
    client.force_login(client_user_a)
    # Uploaded by staff: not theirs to attach.
    refused_ = client.post(
        f"/clients/acme/documents/{data.a.document.pk}/attach/", {"export_ref": "ALPHA-X1"}
    )
    assert refused_.status_code == 404
    assert not data.a.export.documents.exists()
    own = make_document(data.a.client, name="own.pdf", content=PDF + b"own", user=client_user_a)
    done = client.post(f"/clients/acme/documents/{own.pk}/attach/", {"export_ref": "ALPHA-X1"})
    assert done.status_code == 302
    assert list(data.a.export.documents.all()) == [own]


def test_client_user_is_kept_out_of_the_admin(client, client_user_a):
    client_user_a.is_staff = True  # even if someone ticks the box by mistake
    client_user_a.save()
    client.force_login(client_user_a)
    response = client.get("/admin/imports/importline/")
    assert response.status_code in (302, 403)
    assert client.get("/admin/").status_code in (200, 302)
    assert b"Import lines" not in client.get("/admin/", follow=True).content


# --- prospects: public pages need no account; leads are the firm's staff's only; workspaces are nobody's


PUBLIC_PAGES = ["/", "/questionnaire/", "/assessment/", "/faq/", "/faq/?q=bond"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_need_no_account_and_show_no_client_data(data, client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content
    assert b"ALPHA" not in body and b"BRAVO" not in body and b"Acme" not in body and b"Borealis" not in body


@pytest.fixture
def prospect(world, db, analyst, client_user_a):
    """A lead of the firm with a sent assessment and a file."""
    from drawback.prospects import services
    from drawback.prospects.models import AssessmentFile, Lead

    lead = Lead.objects.create(firm=world.firm, company="Prospect Marker Co")
    assessment = services.assessment_start(firm=world.firm)
    assessment.lead, assessment.status = lead, "submitted"
    assessment.save()
    stored = AssessmentFile.objects.create(
        assessment=assessment, kind="other", original_name="x.pdf", size=3, sha256="0" * 64
    )
    stored.file.save("x.pdf", ContentFile(PDF), save=True)
    return SimpleNamespace(lead=lead, file=stored, user=client_user_a)


LEAD_ROUTES = [
    ("prospects:lead_list", "get", lambda p: {}),
    ("prospects:lead_detail", "get", lambda p: {"pk": p.lead.pk}),
    ("prospects:lead_update", "post", lambda p: {"pk": p.lead.pk}),
    ("prospects:lead_note", "post", lambda p: {"pk": p.lead.pk}),
    ("prospects:lead_estimate", "post", lambda p: {"pk": p.lead.pk}),
    ("prospects:lead_estimate_progress", "get", lambda p: {"pk": p.lead.pk}),
    ("prospects:lead_release", "post", lambda p: {"pk": p.lead.pk}),
    ("prospects:lead_convert", "post", lambda p: {"pk": p.lead.pk}),
    ("prospects:lead_invite", "post", lambda p: {"pk": p.lead.pk, "user_pk": p.user.pk}),
    ("prospects:lead_file", "get", lambda p: {"pk": p.lead.pk, "file_pk": p.file.pk}),
]
LEAD_BODY = {
    "status": "lost",
    "text": "a note",
    "code": "stolen",
    "legal_name": "X",
    "importer_number": "12-3456789AB",
}


@pytest.mark.parametrize("user", ["client_user_a", "other_firm_analyst"])
@pytest.mark.parametrize("name,method,kwargs", LEAD_ROUTES, ids=[r[0] for r in LEAD_ROUTES])
def test_leads_are_not_found_for_client_users_and_other_firms(
    request, client, prospect, name, method, kwargs, user
):
    from drawback.accounts.models import Client as ClientCompany
    from drawback.prospects.models import Lead, LeadEvent

    client.force_login(request.getfixturevalue(user))
    url = reverse(name, kwargs=kwargs(prospect))
    events, clients = LeadEvent.objects.count(), ClientCompany.objects.count()
    response = client.post(url, LEAD_BODY) if method == "post" else client.get(url)
    if name == "prospects:lead_list" and user == "other_firm_analyst":
        assert response.status_code == 200 and b"Prospect Marker" not in response.content  # their own leads
    else:
        assert response.status_code == 404
    assert b"Prospect Marker" not in response.content
    assert Lead.objects.get(pk=prospect.lead.pk).status == Lead.Status.NEW
    assert (LeadEvent.objects.count(), ClientCompany.objects.count()) == (events, clients)


@pytest.mark.parametrize("name,method,kwargs", LEAD_ROUTES, ids=[r[0] for r in LEAD_ROUTES])
def test_leads_send_anonymous_users_to_log_in(client, prospect, name, method, kwargs):
    url = reverse(name, kwargs=kwargs(prospect))
    response = client.post(url, LEAD_BODY) if method == "post" else client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("name,method,kwargs", LEAD_ROUTES, ids=[r[0] for r in LEAD_ROUTES])
def test_the_firms_staff_reach_their_leads(client, analyst, prospect, name, method, kwargs):
    client.force_login(analyst)
    url = reverse(name, kwargs=kwargs(prospect))
    response = client.post(url, LEAD_BODY) if method == "post" else client.get(url)
    if name in ("prospects:lead_invite", "prospects:lead_estimate_progress"):
        assert response.status_code == 404  # not converted / no estimate: nothing there, even for staff
    else:
        assert response.status_code in (200, 302, 400), response.status_code


def test_a_prospects_workspace_is_nobodys_client(data, client, api, analyst, client_user_a, firm):
    from drawback.accounts.models import Client as ClientCompany

    workspace = ClientCompany.objects.create(
        firm=firm,
        code="prospect-abc",
        legal_name="Workspace Marker",
        importer_number="12-3456789AB",
        is_workspace=True,
        is_active=False,
    )
    for user in (analyst, client_user_a):
        client.force_login(user)
        assert b"Workspace Marker" not in client.get("/", follow=True).content
        assert client.get(f"/clients/{workspace.code}/").status_code == 404
        api.force_login(user)
        assert api.get(f"/api/v1/clients/{workspace.code}/lines/").status_code == 404
        assert b"prospect-abc" not in api.get("/api/v1/clients/").content
