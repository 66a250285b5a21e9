"""Password reset by e-mail, through Django's own views and tokens, reached from the log-in page; and the
site's icon, so no page logs a missing favicon."""

import re

from django.core import mail

from tests.conftest import PASSWORD


def test_log_in_page_offers_the_reset(client, db):
    html = client.get("/login/").content.decode()
    assert 'href="/password-reset/"' in html and "Forgot your password?" in html


def test_reset_by_e_mail_sets_a_new_password(client, analyst):
    response = client.post("/password-reset/", {"email": analyst.email}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [analyst.email] and message.subject == "Drawback: choose a new password"
    link = re.search(r"https?://testserver(/password-reset/[^\s]+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "a-new-harbor-pass-26", "new_password2": "a-new-harbor-pass-26"},
        follow=True,
    )
    assert "Password set" in done.content.decode()
    old = client.post("/login/", {"username": analyst.username, "password": PASSWORD})
    assert old.status_code == 200  # refused: the old password no longer works
    new = client.post("/login/", {"username": analyst.username, "password": "a-new-harbor-pass-26"})
    assert new.status_code == 302
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "no longer valid" in again  # a link works once


def test_unknown_address_is_told_the_same_and_nothing_is_sent(client, db):
    response = client.post("/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert "Check your e-mail" in response.content.decode() and mail.outbox == []


def test_every_page_names_its_icon_and_the_icon_is_served(client, analyst):
    client.force_login(analyst)
    assert (
        '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">'
        in client.get("/").content.decode()
    )
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").status_code == 200
