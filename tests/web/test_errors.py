"""Errors on pages are pages; errors on the API stay RFC 9457 problem documents."""

from __future__ import annotations

from .conftest import Browser, text_of


def test_an_unknown_page_is_an_html_404(browser: Browser) -> None:
    response = browser.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in text_of(response.text)


def test_an_unknown_api_url_is_still_problem_json(browser: Browser) -> None:
    response = browser.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_malformed_page_url_is_an_html_422(admin: Browser) -> None:
    response = admin.get("/versions/not-a-number")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "This address is not valid" in text_of(response.text)
    assert 'href="/"' in response.text  # a way on


def test_a_wrong_method_is_an_html_405(browser: Browser) -> None:
    response = browser.get("/logout")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")


def test_a_refused_page_keeps_the_layout_of_the_signed_in_person(admin: Browser) -> None:
    response = admin.get("/versions/12345")
    assert response.status_code == 404
    assert "no profile version 12345" in text_of(response.text)
    assert "Signed in as" in text_of(response.text)


def test_htmx_requests_are_told_to_reload_to_the_login_page(browser: Browser) -> None:
    response = browser.get("/audit", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["hx-redirect"] == "/login?next=/audit"
