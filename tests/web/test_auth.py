"""Log-in, log-out and log-in throttling (django-axes)."""

import pytest
from django.conf import settings

from tests.conftest import PASSWORD


def test_login_page_logs_in_and_goes_home(client, analyst):
    page = client.get("/login/")
    assert page.status_code == 200 and b"Log in" in page.content
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_told_plainly(client, analyst):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def signed_out(response) -> bool:
    """`/` without a session is the public landing page: a log-in link, no client list."""
    landing = response.status_code == 200 and "rows" not in response.context
    return landing and b'href="/login/"' in response.content


def test_logout_ends_the_session(client, analyst):
    client.force_login(analyst)
    assert client.post("/logout/").status_code == 302
    assert signed_out(client.get("/"))
    assert client.get("/reviews/level-1/")["Location"].startswith("/login/")  # firm pages need a log-in again


def test_lockout_after_the_failure_limit_even_with_the_right_password(client, analyst):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert client.post("/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    locked = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed log-ins" in html and f"after {limit} failed attempts" in html
    assert "Try again in 15 minutes" in html
    # The right password does not get through while the lock holds.
    again = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert again.status_code == 429
    assert signed_out(client.get("/"))


def test_lockout_is_per_user_and_address(client, analyst, reviewer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/login/", {"username": "rita", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("limit", [2])
def test_failure_limit_is_a_setting(client, analyst, settings, limit):
    settings.AXES_FAILURE_LIMIT = limit
    client.post("/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/login/", {"username": "alice", "password": "wrong"}).status_code == 429


def test_api_token_for_username_and_password(api, analyst, data):
    response = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/clients/acme/lines/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get("/api/v1/clients/acme/lines/").status_code == 401


def test_api_token_refused_for_wrong_password_and_counts_towards_lockout(api, analyst):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = api.post("/api/v1/auth/token/", {"username": "alice", "password": "wrong"}, format="json")
        assert response.status_code == 400 and "token" not in response.json()
    locked = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert "token" not in locked.json()


def test_api_needs_authentication(api, data):
    response = api.get("/api/v1/clients/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
