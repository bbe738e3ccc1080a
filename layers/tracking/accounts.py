"""Users, roles, API tokens and passwords.

Tokens are random (256 bits) and shown once; only their SHA-256 is stored, which is
enough for secrets of that entropy (no slow hash needed, unlike passwords).  People sign in
on the pages with a password, kept as a salted scrypt hash (hashlib's, in werkzeug's
``scrypt:n:r:p$salt$hash`` form: layers know no web framework); a signed-in browser
holds a :func:`session_stamp` of that hash, so setting a new password ends every session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from geo.errors import InvalidInput, LianchuangError
from layers.storage.catalogue import CASE_DUTIES, ROLES
from layers.storage.models import api_tokens, users

TOKEN_PREFIX = "lc_"
#: Days a new token works when LIANCHUANG_TOKEN_DAYS is unset.
DEFAULT_TOKEN_DAYS = 90
#: Passwords shorter than this are refused.
MIN_PASSWORD_LENGTH = 10
_RANK = {choice.code: rank for rank, choice in enumerate(ROLES)}
_DUTIES = tuple(choice.code for choice in CASE_DUTIES)
#: scrypt's cost: n, r, p as werkzeug's default (about 64 MB and 0.1 s a check).
_SCRYPT_COST = (2**15, 8, 1)


class AccountError(InvalidInput):
    """A user or token request that cannot be done as asked."""


class NotAuthenticated(LianchuangError):
    """No valid token was given where one is needed."""

    status = 401


class Forbidden(LianchuangError):
    """The token is valid but its user may not do this."""

    status = 403


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    department: str | None
    #: Duties in the handling of cases (dispatcher, handler, supervisor, leader).
    duties: tuple[str, ...] = ()

    def at_least(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]

    @property
    def label(self) -> str:
        """How the user appears in histories: name and department."""
        return f"{self.display_name}（{self.department}）" if self.department else self.display_name


def create_user(conn: sa.Connection, username: str, display_name: str, role: str,
                department: str | None = None, duties: tuple[str, ...] = ()) -> User:
    if role not in _RANK:
        raise AccountError(f"unknown role {role!r}; roles are: {', '.join(_RANK)}")
    duties = tuple(dict.fromkeys(duties))
    unknown = [d for d in duties if d not in _DUTIES]
    if unknown:
        raise AccountError(f"unknown duty {unknown[0]!r}; duties are: {', '.join(_DUTIES)}")
    if "handler" in duties and not department:
        raise AccountError("a handler needs a department (--department): the unit whose cases "
                           "it handles")
    if role == "planner" and not department:
        raise AccountError("a planner needs a department (--department), the projects it edits")
    if conn.scalar(sa.select(users.c.id).where(users.c.username == username)):
        raise AccountError(f"user {username!r} exists already")
    row = conn.execute(users.insert().values(
        username=username, display_name=display_name, role=role, department=department,
        duties=list(duties)).returning(users)).one()
    return _user(row)


def set_duties(conn: sa.Connection, username: str, duties: tuple[str, ...]) -> User:
    """Give *username* exactly *duties* (in the handling of cases) and return the user."""
    duties = tuple(dict.fromkeys(duties))
    unknown = [d for d in duties if d not in _DUTIES]
    if unknown:
        raise AccountError(f"unknown duty {unknown[0]!r}; duties are: {', '.join(_DUTIES)}")
    row = conn.execute(users.update().where(users.c.username == username)
                       .values(duties=list(duties)).returning(users)).first()
    if row is None:
        raise AccountError(f"no user {username!r}; create it with `lianchuang user add`")
    if "handler" in duties and not row.department:
        raise AccountError(f"{username} has no department: a handler handles its unit's cases; "
                           "create the user with --department")
    return _user(row)


def issue_token(conn: sa.Connection, username: str, label: str | None = None, *,
                lifetime: dt.timedelta | None | str = "default") -> str:
    """Create a token for *username* and return it; it cannot be shown again.

    *lifetime*: how long it works (``None``: until revoked); by default
    ``LIANCHUANG_TOKEN_DAYS`` days (90 when unset, 0 for never).
    """
    user_id = conn.scalar(sa.select(users.c.id).where(users.c.username == username))
    if user_id is None:
        raise AccountError(f"no user {username!r}; create it with `lianchuang user add`")
    if lifetime == "default":
        lifetime = default_lifetime()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(api_tokens.insert().values(
        user_id=user_id, token_hash=_hash(token), label=label,
        expires_at=None if lifetime is None else sa.func.now() + lifetime))
    return token


def default_lifetime() -> dt.timedelta | None:
    """How long a new token works unless told otherwise (``LIANCHUANG_TOKEN_DAYS``)."""
    text = os.environ.get("LIANCHUANG_TOKEN_DAYS") or str(DEFAULT_TOKEN_DAYS)
    return parse_lifetime(text if not text.isdigit() else f"{text}d")


def parse_lifetime(text: str) -> dt.timedelta | None:
    """``90d``, ``12h``, ``30m`` or ``never`` (also ``0d``) as a lifetime."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dhm])\s*", text.lower())
    if text.strip().lower() == "never" or (match and int(match.group(1)) == 0):
        return None
    if not match:
        raise AccountError(f"lifetime {text!r}: give days, hours or minutes such as 90d, 12h, "
                           "30m, or never")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
    return dt.timedelta(**{unit: int(match.group(1))})


def revoke_tokens(conn: sa.Connection, username: str) -> int:
    """Revoke every live token of *username*; return how many."""
    if conn.scalar(sa.select(users.c.id).where(users.c.username == username)) is None:
        raise AccountError(f"no user {username!r}: check the spelling (users are created "
                           "with `lianchuang user add`)")
    return conn.execute(
        api_tokens.update()
        .where(api_tokens.c.user_id == sa.select(users.c.id)
               .where(users.c.username == username).scalar_subquery())
        .where(api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=sa.func.now())
    ).rowcount


def authenticate(conn: sa.Connection, token: str | None) -> User | None:
    """The active user holding *token*, or ``None`` for no token; raises for a bad one."""
    if not token:
        return None
    row = conn.execute(
        sa.select(users, api_tokens.c.id.label("token_id"), api_tokens.c.expires_at,
                  (api_tokens.c.expires_at <= sa.func.now()).label("expired"))
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == _hash(token), api_tokens.c.revoked_at.is_(None),
               users.c.active)
    ).first()
    if row is None:
        raise NotAuthenticated("the API token is unknown or revoked; ask an admin for a new one")
    if row.expired:
        raise NotAuthenticated(f"the API token expired on {row.expires_at:%Y-%m-%d %H:%M %Z}; "
                               "ask an admin for a new one (lianchuang user token NAME)")
    conn.execute(api_tokens.update().where(api_tokens.c.id == row.token_id)
                 .values(last_used_at=sa.func.now()))
    return _user(row)


def set_password(conn: sa.Connection, username: str, password: str) -> None:
    """Give *username* a new *password* (which ends its signed-in sessions)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    done = conn.execute(users.update().where(users.c.username == username)
                        .values(password_hash=_hash_password(password))).rowcount
    if not done:
        raise AccountError(f"no user {username!r}; create it with `lianchuang user add`")


def check_password(conn: sa.Connection, username: str, password: str) -> tuple[User, str] | None:
    """The active user *username* and its session stamp if *password* is its own, else ``None``.

    An unknown user, an inactive one, one without a password and a wrong password all
    answer ``None`` after the same work, so the answer does not tell which.
    """
    row = conn.execute(sa.select(users).where(users.c.username == username,
                                              users.c.active)).first()
    stored = row.password_hash if row is not None else None
    if not _password_matches(stored or _NO_USER_HASH, password) or not stored:
        return None
    return _user(row), session_stamp(stored)


def session_user(conn: sa.Connection, user_id: int, stamp: str) -> User | None:
    """The active user *user_id* if its password is still the one *stamp* was made from."""
    row = conn.execute(sa.select(users).where(users.c.id == user_id, users.c.active)).first()
    if row is None or not row.password_hash or not secrets.compare_digest(
            session_stamp(row.password_hash), stamp):
        return None
    return _user(row)


def session_stamp(password_hash: str) -> str:
    """A short digest of a password hash: a session's tie to the password it began with."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def require(user: User | None, role: str) -> User:
    """*user* if it has at least *role*; otherwise 401 (no user) or 403."""
    if user is None:
        raise NotAuthenticated(
            f"this needs a {role} token: send it as 'Authorization: Bearer <token>'")
    if not user.at_least(role):
        raise Forbidden(f"{user.username} is a {user.role}; this needs at least {role}")
    return user


def require_department(user: User, department: str) -> None:
    """Planners edit only their own department's projects; admins edit all."""
    if user.role != "admin" and user.department != department:
        raise Forbidden(
            f"this project belongs to {department}; {user.username} edits only "
            f"{user.department or 'no department'}'s projects")


def _hash_password(password: str, salt: str | None = None) -> str:
    n, r, p = _SCRYPT_COST
    salt = salt or secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p,
                            maxmem=132 * n * r * p)
    return f"scrypt:{n}:{r}:{p}${salt}${digest.hex()}"


def _password_matches(stored: str, password: str) -> bool:
    method, _, rest = stored.partition("$")
    salt, _, _ = rest.partition("$")
    if method != "scrypt:{}:{}:{}".format(*_SCRYPT_COST):
        return False  # a hash of another method or cost: set the password again
    return hmac.compare_digest(_hash_password(password, salt), stored)


# Checked against when the user is unknown, so a wrong name costs as long as a wrong password.
_NO_USER_HASH = _hash_password(secrets.token_urlsafe(16))


def _user(row) -> User:
    m = row._mapping
    return User(m["id"], m["username"], m["display_name"], m["role"], m["department"],
                tuple(m.get("duties") or ()))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
