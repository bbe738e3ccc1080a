"""Accounts and authorisation (layers.tracking.accounts): what mutation testing found
unchecked by the workflow and API tests (docs/mutation.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from layers.tracking.accounts import (
    AccountError,
    Forbidden,
    NotAuthenticated,
    User,
    authenticate,
    create_user,
    default_lifetime,
    issue_token,
    parse_lifetime,
    require,
    require_department,
)

pytest_plugins = ["tests.factories"]


def test_a_deactivated_users_token_no_longer_authenticates(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王督查", "inspector")
        token = issue_token(conn, "wang")
        conn.execute(sa.text("UPDATE users SET active = false WHERE username = 'wang'"))

    with clean_db.connect() as conn, pytest.raises(NotAuthenticated) as refused:
        authenticate(conn, token)
    assert str(refused.value) == "the API token is unknown or revoked; ask an admin for a new one"


def test_a_token_is_expired_from_the_instant_it_expires(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王督查", "inspector")
        token = issue_token(conn, "wang")
        conn.execute(sa.text("UPDATE api_tokens SET expires_at = now()"))  # now(): this instant
        with pytest.raises(NotAuthenticated, match=r"expired on .*; ask an admin for a new one "
                                                   r"\(lianchuang user token NAME\)$"):
            authenticate(conn, token)


def test_a_lifetime_in_minutes_is_read_as_minutes():
    assert parse_lifetime("30m") == dt.timedelta(minutes=30)


def test_a_lifetime_that_is_not_one_lists_every_way_to_write_it():
    with pytest.raises(AccountError) as refused:
        parse_lifetime("3 weeks")

    assert str(refused.value) == ("lifetime '3 weeks': give days, hours or minutes such as "
                                  "90d, 12h, 30m, or never")


@pytest.mark.parametrize("setting, lifetime", [("30", dt.timedelta(days=30)),
                                               ("12h", dt.timedelta(hours=12)),
                                               ("never", None)])
def test_the_token_days_setting_takes_a_number_of_days_or_a_lifetime(monkeypatch, setting,
                                                                      lifetime):
    monkeypatch.setenv("LIANCHUANG_TOKEN_DAYS", setting)

    assert default_lifetime() == lifetime


def test_no_user_is_told_how_to_send_a_token():
    with pytest.raises(NotAuthenticated) as refused:
        require(None, "planner")

    assert str(refused.value) == (
        "this needs a planner token: send it as 'Authorization: Bearer <token>'")


def test_a_user_below_the_role_is_told_the_role_needed():
    viewer = User(1, "li", "李", "viewer", None)

    with pytest.raises(Forbidden) as refused:
        require(viewer, "planner")

    assert str(refused.value) == "li is a viewer; this needs at least planner"


def test_a_planner_of_no_department_is_told_so():
    planner = User(1, "zhao", "赵", "planner", None)

    with pytest.raises(Forbidden) as refused:
        require_department(planner, "县住建局")

    assert str(refused.value) == ("this project belongs to 县住建局; zhao edits only "
                                  "no department's projects")


# api/auth.py: which Authorization headers carry a token (survivors of docs/mutation.md).

@pytest.fixture
def signed(client, clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "li", "李督查", "admin")
        return issue_token(conn, "li")


def test_a_basic_authorization_header_is_no_token_not_a_bad_one(client, signed):
    # Another scheme is not ours to read: the caller is anonymous (public reads answer),
    # and a write is told it needs a token, not that its token is invalid.
    basic = {"Authorization": "Basic bGk6cGFzc3dvcmQ="}
    assert client.get("/api/projects", headers=basic).status_code == 200
    write = client.post("/api/projects", json={}, headers=basic)
    assert write.status_code == 401
    assert "this needs a token" in write.get_json()["error"]["message"]


@pytest.mark.parametrize("header", ["Bearer {}", "Bearer  {}", "bearer {}", "BEARER {} "])
def test_a_bearer_token_is_read_whatever_the_case_and_spacing(client, signed, header):
    answer = client.post("/api/projects", json={},
                         headers={"Authorization": header.format(signed)})
    # Signed in as an admin: past authentication, refused for the empty body instead.
    assert answer.status_code == 400, answer.get_json()
