"""Production hardening: no key no start, HTTPS settings that pass `check --deploy`, a Content-Security-Policy
every page keeps to (Swagger UI included, in a real browser), API tokens that expire and can be revoked, one
password sprayed across many usernames refused, and the API's own throttling of its expensive endpoints."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from drawback.api import ExpensiveRateThrottle
from tests.conftest import PASSWORD
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "production-like-" + "k3y" * 20,
    "ALLOWED_HOSTS": "drawback.example.com",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}


def manage(*args, env):
    unset = ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")  # tests set it
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "drawback.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_secret_key_outside_debug_refuses_to_start():
    refused = manage("check", env={"DEBUG": "0"})
    assert refused.returncode != 0 and "SECRET_KEY is not set" in refused.stderr
    assert manage("check", env={"DEBUG": "1"}).returncode == 0


def test_check_deploy_is_clean_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    # The same check without them names what is missing.
    bare = manage(
        "check", "--deploy", "--fail-level", "WARNING", env={"SECRET_KEY": PRODUCTION["SECRET_KEY"]}
    )
    assert bare.returncode != 0 and "SECURE_HSTS_SECONDS" in bare.stderr


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_no_inline_script(client, data, analyst):
    client.force_login(analyst)
    for url in (
        "/",
        "/clients/acme/",
        "/clients/acme/uploads/",
        "/clients/acme/documents/",
        "/clients/acme/lines/",
        "/clients/acme/findings/",
        "/clients/acme/money-at-risk/",
        "/api/docs/",
        "/login/",
    ):
        response = client.get(url, follow=True)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        script_src = re.search(r"script-src([^;]*)", policy).group(1)
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not INLINE_HANDLER.search(html), (url, INLINE_HANDLER.search(html).group(0))


@pytest.mark.browser
def test_swagger_ui_and_page_scripts_work_under_the_policy(live_server, browser, data, analyst):
    """Swagger UI draws the API and the documents page's filter submits itself, with no CSP violation."""
    page = browser.new_context().new_page()  # the policy enforced (other browser tests bypass it)
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    assert "Drawback API" in page.inner_text(".swagger-ui .info .title")
    page.goto(f"{live_server.url}/clients/acme/documents/")
    page.select_option("select[name=type]", "invoice")
    page.wait_for_url("**/documents/?type=invoice")
    assert violations == []


@pytest.mark.django_db
def test_an_api_token_expires_and_is_renewed_on_request(client_a, analyst, settings):
    settings.API_TOKEN_DAYS = 90
    api = APIClient()
    key = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/clients/").status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(days=91))
    expired = api.get("/api/v1/clients/")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    api.credentials()
    renewed = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}).json()["token"]
    assert renewed != key
    api.credentials(HTTP_AUTHORIZATION=f"Token {renewed}")
    assert api.get("/api/v1/clients/").status_code == 200


@pytest.mark.django_db
def test_a_user_revokes_their_own_token(client_a, analyst):
    api = APIClient()
    key = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert api.get("/api/v1/clients/").status_code == 401
    assert not Token.objects.filter(user=analyst).exists()


@pytest.mark.django_db
def test_one_password_sprayed_across_usernames_is_refused(client, firm, settings):
    """Axes locks a username tried too often; one password tried once on each of many usernames locked
    nothing. After LOGIN_SAME_PASSWORD_LIMIT failures that password is refused, even where it is right."""
    settings.LOGIN_SAME_PASSWORD_LIMIT = 3
    victim = UserFactory(username="victim", role="analyst", firm=firm)
    victim.set_password("Winter2026!")
    victim.save()
    for name in ("ann", "bob", "cid"):
        UserFactory(username=name, role="analyst", firm=firm)
        failed = client.post("/login/", {"username": name, "password": "Winter2026!"})
        assert failed.status_code == 200 and "_auth_user_id" not in client.session
    refused = client.post("/login/", {"username": "victim", "password": "Winter2026!"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    client.post("/login/", {"username": "victim", "password": PASSWORD})  # another password still works
    assert client.session.get("_auth_user_id") is None  # victim's password is Winter2026!
    victim.set_password(PASSWORD)
    victim.save()
    assert client.post("/login/", {"username": "victim", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_expensive_endpoints_are_throttled_per_user(client_a, analyst, monkeypatch):
    monkeypatch.setattr(ExpensiveRateThrottle, "THROTTLE_RATES", {"expensive": "2/minute"})
    api = APIClient()
    api.force_authenticate(analyst)
    codes = [api.get("/api/v1/clients/acme/money-at-risk/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # A cheap read of the same user is not counted.
    assert api.get("/api/v1/clients/acme/uploads/").status_code == 200
    upload = {"kind": "imports", "file": SimpleUploadedFile("x.csv", b"a\n1\n")}
    assert api.post("/api/v1/clients/acme/uploads/", upload, format="multipart").status_code == 429
