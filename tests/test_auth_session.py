"""Signing in on the pages: passwords, the session cookie, CSRF, and viewer mode's redirect."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.auth import CSRF_COOKIE, SESSION_COOKIE, safe_next
from api.cli import main
from layers.tracking.accounts import (
    AccountError,
    check_password,
    create_user,
    issue_token,
    set_password,
)

pytest_plugins = ["tests.factories"]

PASSWORD = "xixiang-2026-lc"
PAGES = ["/", "/green", "/inspection", "/dashboard", "/api/docs"]


@pytest.fixture
def people(clean_db) -> dict[str, str]:
    """A planner of 交通局 and a viewer, each with PASSWORD; the planner's API token."""
    with clean_db.begin() as conn:
        create_user(conn, "wang", "交通局王工", "planner", "交通局")
        create_user(conn, "zhou", "周主任", "viewer")
        for name in ("wang", "zhou"):
            set_password(conn, name, PASSWORD)
        return {"planner_token": issue_token(conn, "wang")}


@pytest.fixture
def viewer_app(database_url):
    return create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                       "LIANCHUANG_READ": "viewer", "TESTING": True})


def sign_in(client, username="wang", password=PASSWORD, next_path="/", **kwargs):
    page = client.get("/signin").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/signin", data={"username": username, "password": password,
                                        "csrf_token": csrf, "next": next_path}, **kwargs)


def csrf_of(client) -> str:
    return client.get_cookie(CSRF_COOKIE).value


# --- passwords ------------------------------------------------------------------------------

def test_a_password_is_checked_against_its_salted_hash(clean_db, people):
    with clean_db.begin() as conn:
        stored = conn.exec_driver_sql(
            "SELECT password_hash FROM users WHERE username = 'wang'").scalar()
        assert PASSWORD not in stored and stored.startswith("scrypt:")
        assert check_password(conn, "wang", PASSWORD)[0].username == "wang"
        assert check_password(conn, "wang", PASSWORD + "x") is None
        assert check_password(conn, "nobody", PASSWORD) is None


def test_a_short_password_is_refused(clean_db, people):
    with clean_db.begin() as conn, pytest.raises(AccountError, match="at least 10"):
        set_password(conn, "wang", "123456")


def test_the_command_line_sets_a_password_typed_twice(clean_db, database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()

    added = runner.invoke(main, ["user", "add", "li", "--role", "inspector", "--password",
                                 "--no-token"], input=f"{PASSWORD}\n{PASSWORD}\n")
    changed = runner.invoke(main, ["user", "password", "li"], input="another-pass-1\n" * 2)

    assert added.exit_code == 0 and changed.exit_code == 0, added.output + changed.output
    with clean_db.begin() as conn:
        assert check_password(conn, "li", PASSWORD) is None
        assert check_password(conn, "li", "another-pass-1") is not None


# --- the sign-in page and the cookie ----------------------------------------------------------

def test_signing_in_sets_an_httponly_samesite_session_and_goes_on(client, people):
    response = sign_in(client, next_path="/dashboard?lang=en")

    assert response.status_code == 303 and response.location == "/dashboard?lang=en"
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session
    csrf = next(c for c in cookies if c.startswith(CSRF_COOKIE + "="))
    assert "HttpOnly" not in csrf and "SameSite=Lax" in csrf
    assert client.get("/api/me").get_json()["username"] == "wang"


def test_the_cookies_are_secure_over_https_or_when_configured(database_url, people):
    configured = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                             "LIANCHUANG_SECURE_COOKIES": "1", "TESTING": True})
    over_http = sign_in(configured.test_client())
    plain = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none"})
    over_https = sign_in(plain.test_client(), base_url="https://localhost")

    for response in (over_http, over_https):
        assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))


def test_the_sign_in_page_of_a_signed_in_browser_offers_to_sign_out(client, people):
    sign_in(client)

    page = client.get("/signin?next=/green").get_data(as_text=True)

    assert "已登录：交通局王工" in page
    assert 'action="/signout"' in page and 'href="/green"' in page
    assert 'name="password"' not in page


def test_a_wrong_password_shows_the_form_again_saying_so(client, people):
    response = sign_in(client, password="wrong-password")

    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/api/me").status_code == 401


def test_signing_in_needs_the_forms_csrf_token(client, people):
    response = client.post("/signin", data={"username": "wang", "password": PASSWORD,
                                            "csrf_token": "forged"})

    assert response.status_code == 403
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)", "", None,
                                    "/\tx", "evil.example"])
def test_next_never_leaves_the_site(target):
    assert safe_next(target) == "/"


def test_next_keeps_a_path_of_the_site():
    assert safe_next("/green?lang=en#x") == "/green?lang=en#x"


def test_signing_out_needs_the_token_and_ends_the_session(client, people):
    sign_in(client)
    assert client.post("/signout", data={"csrf_token": "forged"}).status_code == 403

    response = client.post("/signout", data={"csrf_token": csrf_of(client)})

    assert response.status_code == 303 and response.location == "/signin"
    assert client.get("/api/me").status_code == 401


def test_a_new_password_ends_the_sessions_begun_with_the_old(client, clean_db, people):
    sign_in(client)
    with clean_db.begin() as conn:
        set_password(conn, "wang", "a-new-password-1")

    assert client.get("/api/me").status_code == 401


# --- writes: the cookie needs the CSRF token, a Bearer token does not ----------------------------

def _change(client, city, **headers):
    return client.patch(f"/api/projects/{city['DL-002']}", json={"progress": 5},
                        headers={"If-Match": '"1"', **headers})


def test_a_write_with_the_cookie_but_without_the_csrf_token_is_a_403(client, city, people):
    sign_in(client)

    refused = _change(client, city)

    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.get_json()["error"]["message"]
    assert _change(client, city, **{"X-CSRF-Token": "forged"}).status_code == 403
    assert _change(client, city, **{"X-CSRF-Token": csrf_of(client)}).status_code == 200


def test_a_write_with_a_bearer_token_needs_no_csrf_token(client, city, people):
    response = _change(client, city, Authorization=f"Bearer {people['planner_token']}")

    assert response.status_code == 200


# --- viewer mode ----------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_in_viewer_mode_a_page_sends_the_browser_to_sign_in(viewer_app, people, page):
    response = viewer_app.test_client().get(page + "?lang=en")

    assert response.status_code == 302
    assert response.location == f"/signin?next={page.replace('/', '%2F')}%3Flang%3Den"


@pytest.mark.parametrize("page", PAGES)
def test_in_viewer_mode_a_signed_in_viewer_opens_every_page(viewer_app, city, people, page):
    client = viewer_app.test_client()
    sign_in(client, "zhou")

    assert client.get(page).status_code == 200


def test_in_viewer_mode_the_publics_pages_open_without_signing_in(viewer_app, clean_db):
    client = viewer_app.test_client()

    assert [client.get(page).status_code for page in ("/report", "/track?code=ABCDEF2345",
                                                      "/api/case-categories")] == [200] * 3


def test_in_viewer_mode_data_without_credentials_is_a_401_json(viewer_app, people):
    client = viewer_app.test_client()

    response = client.get("/api/layers")

    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401
    assert client.get("/signin").status_code == 200
    assert client.get("/static/signin.css").status_code == 200
