"""Tenant isolation on every page and API endpoint.

Every named URL pattern of the project (but the admin, which has its own tests) must be listed below, either
as a route that reaches client data (with how to address client_b's objects through it) or as one that
does not. A new pattern that is in neither list fails `test_every_url_pattern_is_covered`, so nothing
gets added without its isolation being tested.
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from claims.models import Claim, ClaimBuild, Finding
from exports.models import Export
from imports.models import Document, ImportEntry, ImportLine
from tests.factories import UserFactory

from .conftest import PDF, make_document


@dataclass(frozen=True)
class Route:
    """How to reach one client's object through a route: URL kwargs from that client's rows, and the
    requests to try (method, body). `object_kwargs` are the kwargs naming an object inside the client."""

    kwargs: callable
    requests: tuple = (("get", None),)
    object_kwargs: tuple = field(default=())
    # Firm staff only: a client user gets 404 even for their own company.
    staff_only: bool = False
    # The page or answer lists the client's own rows (its marker shows) when read by someone who may.
    shows_rows: bool = True


def upload_body():
    return {"file": SimpleUploadedFile("x.pdf", PDF, "application/pdf"), "doc_type": "invoice"}


def api_upload_body():
    return {"file": SimpleUploadedFile("x.pdf", PDF, "application/pdf"), "doc_type": "invoice"}


def build_of(d):
    """A finished claim build of the client, made on first use: the engine designates the client's line to
    its export, so the proposal names both."""
    if getattr(d, "build", None) is None:
        from claims.building import services
        from imports.models import TariffLine

        TariffLine.objects.get_or_create(
            hts="61091000", defaults={"description": "Of cotton", "general_rate": "16.5%"}
        )

        staff = UserFactory(role="analyst", firm=d.client.firm)
        d.build = services.claim_build_start(
            client=d.client, user=staff, parameters={"filing_date": "2026-11-26"}
        )
        services.claim_build_run(build_id=d.build.pk)
    return d.build


def build_kwargs(d):
    return {"code": d.client.code, "pk": build_of(d).pk}


BUILD_FORM = {"filing_date": "2026-11-26", "drawback_port": "1001", "method": "optimal"}

CODE = {"code": lambda d: d.client.code}
API = {"client_code": lambda d: d.client.code}

SCOPED = {
    # Pages
    "client_overview": Route(kwargs=lambda d: {"code": d.client.code}),
    "imports:line_list": Route(kwargs=lambda d: {"code": d.client.code}),
    "imports:entry_detail": Route(
        kwargs=lambda d: {"code": d.client.code, "entry_number": d.entry.entry_number},
        object_kwargs=("entry_number",),
    ),
    "imports:document_list": Route(
        kwargs=lambda d: {"code": d.client.code}, requests=(("get", None), ("post", upload_body))
    ),
    "imports:document_download": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk}, object_kwargs=("pk",)
    ),
    "imports:document_attach": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk},
        requests=(("post", lambda: {"export_ref": "ALPHA-X1"}),),
        object_kwargs=("pk",),
    ),
    "imports:document_detach": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk},
        requests=(("post", lambda: {"entry": "1"}),),
        object_kwargs=("pk",),
    ),
    "imports:document_delete": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.document.pk},
        requests=(("post", None),),
        object_kwargs=("pk",),
    ),
    "exports:export_list": Route(kwargs=lambda d: {"code": d.client.code}),
    "exports:export_detail": Route(
        kwargs=lambda d: {"code": d.client.code, "pk": d.export.pk}, object_kwargs=("pk",)
    ),
    "claims:build": Route(
        kwargs=lambda d: {"code": d.client.code},
        requests=(("get", None), ("post", lambda: dict(BUILD_FORM))),
        staff_only=True,
        shows_rows=False,
    ),
    "claims:build-detail": Route(kwargs=build_kwargs, object_kwargs=("pk",), staff_only=True),
    "claims:build-status": Route(
        kwargs=build_kwargs, object_kwargs=("pk",), staff_only=True, shows_rows=False
    ),
    "claims:build-rerun": Route(
        kwargs=build_kwargs,
        requests=(("post", lambda: {"action": "again"}),),
        object_kwargs=("pk",),
        staff_only=True,
    ),
    "claims:build-save": Route(
        kwargs=build_kwargs, requests=(("post", None),), object_kwargs=("pk",), staff_only=True
    ),
    # Lists only lines near their 5-year limit: the data has none.
    "claims:money-at-risk": Route(kwargs=lambda d: {"code": d.client.code}, shows_rows=False),
    # API
    "api-client-detail": Route(kwargs=lambda d: {"code": d.client.code}),
    "api-entry-list": Route(kwargs=lambda d: {"client_code": d.client.code}),
    "api-entry-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "entry_number": d.entry.entry_number},
        object_kwargs=("entry_number",),
    ),
    "api-line-list": Route(kwargs=lambda d: {"client_code": d.client.code}),
    "api-line-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.line.pk}, object_kwargs=("pk",)
    ),
    "api-export-list": Route(kwargs=lambda d: {"client_code": d.client.code}),
    "api-export-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.export.pk}, object_kwargs=("pk",)
    ),
    "api-document-list": Route(
        kwargs=lambda d: {"client_code": d.client.code}, requests=(("get", None), ("post", api_upload_body))
    ),
    "api-document-detail": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.document.pk},
        requests=(("get", None), ("delete", None)),
        object_kwargs=("pk",),
    ),
    "api-document-download": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.document.pk}, object_kwargs=("pk",)
    ),
    "api-document-attach": Route(
        kwargs=lambda d: {"client_code": d.client.code, "pk": d.document.pk},
        requests=(("post", lambda: {"export_ids": [1]}),),
        object_kwargs=("pk",),
    ),
    "api-claim-build-list": Route(
        kwargs=lambda d: {"client_code": d.client.code},
        requests=(("get", None), ("post", lambda: {"filing_date": "2026-11-26"})),
        staff_only=True,
        shows_rows=False,
    ),
    # Builds are addressed by id alone: scoped by the user's clients, no client code to mix up.
    # The build's summary (totals, comparison); its rows are listed by .../designations/.
    "api-claim-build-detail": Route(
        kwargs=lambda d: {"pk": build_of(d).pk}, staff_only=True, shows_rows=False
    ),
    "api-claim-build-designations": Route(kwargs=lambda d: {"pk": build_of(d).pk}, staff_only=True),
    "api-claim-build-save": Route(
        kwargs=lambda d: {"pk": build_of(d).pk}, requests=(("post", None),), staff_only=True
    ),
    "api-money-at-risk": Route(kwargs=lambda d: {"client_code": d.client.code}, shows_rows=False),
}

# Routes that take no client or object; their lists are checked for leaks below.
UNSCOPED = {"home", "login", "logout", "api-token", "api-client-list", "api-schema", "api-docs"}


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
    assert names - set(SCOPED) - UNSCOPED == set(), "add these routes to the tenancy tests"
    assert set(SCOPED) | UNSCOPED <= names, "routes listed here no longer exist"


def send(http, method, url, body, api):
    payload = body() if callable(body) else body
    if method == "get":
        return http.get(url)
    if api:
        fmt = "multipart" if payload and "file" in payload else "json"
        return getattr(http, method)(url, payload or {}, format=fmt)
    return getattr(http, method)(url, payload or {})


def snapshot(data_b):
    """What a refused request must leave untouched in client_b."""
    doc = Document.objects.get(pk=data_b.document.pk)
    return (
        Document.objects.filter(client=data_b.client).count(),
        sorted(doc.import_entries.values_list("pk", flat=True)),
        sorted(doc.exports.values_list("pk", flat=True)),
        ImportEntry.objects.filter(client=data_b.client).count(),
        ImportLine.objects.filter(client=data_b.client).count(),
        Export.objects.filter(client=data_b.client).count(),
        Finding.objects.filter(client=data_b.client).count(),
        sorted(ClaimBuild.objects.filter(client=data_b.client).values_list("pk", "status")),
        Claim.objects.filter(client=data_b.client).count(),
    )


CASES = [(name, i) for name, route in SCOPED.items() for i in range(len(route.requests))]


def _request_cases(user_fixture):
    return [pytest.param(name, i, user_fixture, id=f"{user_fixture}-{name}-{i}") for name, i in CASES]


@pytest.mark.parametrize(
    "name,index,user_fixture", _request_cases("client_user_a") + _request_cases("other_firm_analyst")
)
def test_other_clients_objects_are_not_found(request, data, client, api, name, index, user_fixture):
    """client_user_a (and staff of another firm) get 404 for client_b's pages, objects and writes, and the
    data stays as it was."""
    user = request.getfixturevalue(user_fixture)
    route = SCOPED[name]
    is_api = name.startswith("api-")
    http = api if is_api else client
    http.force_login(user)
    method, body = route.requests[index]
    url = reverse(name, kwargs=route.kwargs(data.b))
    before = snapshot(data.b)
    response = send(http, method, url, body, is_api)
    assert response.status_code == 404, (name, method, response.status_code)
    assert b"BRAVO" not in response.content
    assert snapshot(data.b) == before


OBJECT_CASES = [
    pytest.param(name, i, user, id=f"{user}-{name}-{i}")
    for user in ("client_user_a", "analyst")
    for name, i in CASES
    if SCOPED[name].object_kwargs
]


@pytest.mark.parametrize("name,index,user_fixture", OBJECT_CASES)
def test_other_clients_object_under_own_client_code_is_not_found(
    request, data, client, api, name, index, user_fixture
):
    """Addressing client_b's object under client_a's code (a guessed id) is 404, even for firm staff who
    may see both clients: an object is only ever reached through its own client."""
    route = SCOPED[name]
    is_api = name.startswith("api-")
    http = api if is_api else client
    http.force_login(request.getfixturevalue(user_fixture))
    kwargs = route.kwargs(data.a)
    b_kwargs = route.kwargs(data.b)
    for key in route.object_kwargs:
        kwargs[key] = b_kwargs[key]
    method, body = route.requests[index]
    url = reverse(name, kwargs=kwargs)
    before = snapshot(data.b)
    response = send(http, method, url, body, is_api)
    assert response.status_code == 404, (name, method, response.status_code)
    assert b"BRAVO" not in response.content
    assert snapshot(data.b) == before


READS = [pytest.param(name, id=name) for name, route in SCOPED.items() if ("get", None) in route.requests]


@pytest.mark.parametrize("name", READS)
def test_own_client_is_readable_and_shows_no_other_clients_rows(
    data, client, api, client_user_a, analyst, name
):
    """client_user_a (firm staff for staff-only routes) reads client_a's page and sees nothing of client_b."""
    route = SCOPED[name]
    is_api = name.startswith("api-")
    http = api if is_api else client
    http.force_login(analyst if route.staff_only else client_user_a)
    response = http.get(reverse(name, kwargs=route.kwargs(data.a)))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"BRAVO" not in body and b"borealis" not in body.lower()
    if name not in ("client_overview", "api-client-detail") and route.shows_rows:
        assert b"ALPHA" in body, name  # the list or object shows client_a's own rows


STAFF_ONLY = [pytest.param(name, i, id=f"{name}-{i}") for name, i in CASES if SCOPED[name].staff_only]


@pytest.mark.parametrize("name,index", STAFF_ONLY)
def test_client_users_do_not_find_staff_routes_of_their_own_company(
    data, client, api, client_user_a, name, index
):
    route = SCOPED[name]
    is_api = name.startswith("api-")
    http = api if is_api else client
    http.force_login(client_user_a)
    method, body = route.requests[index]
    url = reverse(name, kwargs=route.kwargs(data.a))
    response = send(http, method, url, body, is_api)
    assert response.status_code == 404, (name, method, response.status_code)


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


def test_anonymous_users_are_sent_to_log_in_or_refused(data, client, api):
    for name, route in SCOPED.items():
        url = reverse(name, kwargs=route.kwargs(data.b))
        if name.startswith("api-"):
            assert api.get(url).status_code in (401, 403), name
        else:
            response = client.get(url)
            assert response.status_code in (302, 405) and (
                response.status_code == 405 or response["Location"].startswith("/login/")
            ), name


# Roles: a client user reads their own client's data and may write documents only.


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


def test_client_user_cannot_delete_or_detach_documents(data, client, api, client_user_a):
    a = data.a
    client.force_login(client_user_a)
    assert client.post(f"/clients/acme/documents/{a.document.pk}/delete/").status_code == 404
    detach = client.post(f"/clients/acme/documents/{a.document.pk}/detach/", {"entry": a.entry.pk})
    assert detach.status_code == 404
    api.force_login(client_user_a)
    assert api.delete(f"/api/v1/clients/acme/documents/{a.document.pk}/").status_code == 404
    assert Document.objects.filter(pk=a.document.pk).exists()
    assert a.entry.documents.filter(pk=a.document.pk).exists()


def test_client_user_may_only_attach_documents_they_uploaded(data, client, client_user_a):
    client.force_login(client_user_a)
    # Uploaded by staff: not theirs to attach.
    refused = client.post(f"/clients/acme/documents/{data.a.document.pk}/attach/", {"export_ref": "ALPHA-X1"})
    assert refused.status_code == 404
    assert not data.a.export.documents.exists()
    own = make_document(data.a.client, name="own.pdf", content=PDF + b"own", user=client_user_a)
    done = client.post(f"/clients/acme/documents/{own.pk}/attach/", {"export_ref": "ALPHA-X1"})
    assert done.status_code == 302
    assert list(data.a.export.documents.all()) == [own]


def test_client_user_may_upload_to_their_own_client(data, client, api, client_user_a):
    client.force_login(client_user_a)
    response = client.post(
        "/clients/acme/documents/",
        {
            "file": SimpleUploadedFile("bol.pdf", PDF + b"bol", "application/pdf"),
            "doc_type": "bill_of_lading",
        },
    )
    assert response.status_code == 302
    assert Document.objects.filter(
        client=data.a.client, original_name="bol.pdf", uploaded_by=client_user_a
    ).exists()
    api.force_login(client_user_a)
    response = api.post(
        "/api/v1/clients/acme/documents/",
        {
            "file": SimpleUploadedFile("aes.pdf", PDF + b"aes", "application/pdf"),
            "doc_type": "aes_confirmation",
        },
        format="multipart",
    )
    assert response.status_code == 201


def test_client_user_is_kept_out_of_the_admin(client, client_user_a):
    client_user_a.is_staff = True  # even if someone ticks the box by mistake
    client_user_a.save()
    client.force_login(client_user_a)
    response = client.get("/admin/imports/importline/")
    assert response.status_code in (302, 403)
    assert client.get("/admin/").status_code in (200, 302)
    assert b"Import lines" not in client.get("/admin/", follow=True).content
