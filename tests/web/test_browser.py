"""In a real browser: a client user logs in, sees their company, and cannot reach another client by URL."""

import pytest

from tests.conftest import PASSWORD


@pytest.mark.browser
def test_client_user_sees_own_client_and_not_found_for_another(live_server, page, data, client_user_a):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(client_user_a.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(f"{live_server.url}/clients/acme/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Acme Outfitters Inc")
    page.get_by_role("link", name="Import lines", exact=True).click()
    page.wait_for_url("**/clients/acme/lines/")
    assert page.get_by_text("ALPHA cotton t-shirts").is_visible()
    assert page.get_by_text("BRAVO").count() == 0

    response = page.goto(f"{live_server.url}/clients/borealis/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert "Borealis" not in page.content()

    response = page.goto(f"{live_server.url}/clients/borealis/entries/{data.b.entry.entry_number}/")
    assert response.status == 404
    assert "BRAVO" not in page.content()

    # The same entry under the user's own client code is not found either.
    response = page.goto(f"{live_server.url}/clients/acme/entries/{data.b.entry.entry_number}/")
    assert response.status == 404
