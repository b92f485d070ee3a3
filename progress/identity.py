"""Who a learner is, without passwords: a learner id and a signed token. No Streamlit.

A learner id (``learner-3f9a0c12b7de``) names a learner everywhere: in the store, in
the sandbox (their AWS account is derived from it), on the instructor's dashboard and in
CSV exports. It is not a secret. The *token* is: ``<learner id>.<signature>``, where the
signature is an HMAC of the id under the database's own secret key. Whoever holds the
token is that learner, so the app keeps it in the address (``?learner=<token>``) and in a
cookie, and a learner can carry it to another browser as their personal link. Forging a
token for someone else's id needs the key, which never leaves the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from urllib.parse import parse_qsl, urlencode

LEARNER_PARAM = "learner"  # the query parameter that carries the token
WORKSHOP_PARAM = "workshop"  # ?workshop=<code>: a join link an instructor hands out
COOKIE = "lambda_lab_learner"
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # the longest browsers keep a cookie

LEARNER_ID = re.compile(r"^learner-[0-9a-f]{12}$")
# Workshop codes: six characters that cannot be misread (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
NAME_MAX = 40
# Relative links a lesson uses to open another lesson: [text](?lesson=slug#anchor)
RELATIVE_LINK = re.compile(r"\]\(\?([^)\s#]*)(#[^)\s]*)?\)")


class IdentityError(ValueError):
    """A display name or workshop code that cannot be used; says why."""


def new_learner_id() -> str:
    return f"learner-{secrets.token_hex(6)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _signature(learner_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"learner:{learner_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def sign(learner_id: str, secret: str) -> str:
    """The token that proves ``learner_id`` to this database."""
    if not LEARNER_ID.match(learner_id):
        raise IdentityError(f"not a learner id: {learner_id!r}")
    return f"{learner_id}.{_signature(learner_id, secret)}"


def verify(token: str | None, secret: str) -> str | None:
    """The learner id a token proves, or None for a token this database did not sign."""
    if not token or token.count(".") != 1:
        return None
    learner_id, signature = token.split(".")
    if not LEARNER_ID.match(learner_id):
        return None
    if not hmac.compare_digest(signature, _signature(learner_id, secret)):
        return None
    return learner_id


def clean_name(name: str) -> str:
    """A display name as shown to the instructor: trimmed, printable, at most 40 characters."""
    text = " ".join(unicodedata.normalize("NFC", name).split())
    if not text:
        raise IdentityError("type a name (a first name or a nickname is enough)")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise IdentityError("a name cannot hold control characters")
    if len(text) > NAME_MAX:
        raise IdentityError(f"keep the name to {NAME_MAX} characters")
    return text


def new_workshop_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(code: str) -> str:
    """A workshop code as typed ("k7q-x2m ") in its stored form ("K7QX2M")."""
    text = re.sub(r"[\s-]", "", code).upper()
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        raise IdentityError(
            f"a workshop code is {CODE_LENGTH} letters and digits, like {new_workshop_code()}"
        )
    return text


def carry_identity(markdown: str, token: str) -> str:
    """Add ``learner=<token>`` to the relative ``(?lesson=...)`` links in a lesson's text.

    Streamlit opens Markdown links in a new tab, which is a new session: the token in the
    link keeps the learner who they are there (the cookie does too, where the browser
    keeps cookies).
    """

    def add(match: re.Match[str]) -> str:
        params = [(k, v) for k, v in parse_qsl(match.group(1)) if k != LEARNER_PARAM]
        params.append((LEARNER_PARAM, token))
        return f"](?{urlencode(params)}{match.group(2) or ''})"

    return RELATIVE_LINK.sub(add, markdown)


def cookie_script(token: str | None) -> str:
    """JavaScript that stores the token in a cookie for the app's origin (None: forget it).

    Streamlit reads cookies (``st.context.cookies``) but cannot set them; this runs in the
    page through ``st.html``. The value is a token of URL-safe characters only.
    """
    if token is None:
        value, age = "", 0
    else:
        if not re.fullmatch(r"[A-Za-z0-9._-]+", token):
            raise IdentityError("a token holds URL-safe characters only")
        value, age = token, COOKIE_MAX_AGE_S
    return (
        "<script>(function(){var d=(window.parent&&window.parent.document)||document;"
        f'd.cookie="{COOKIE}={value}; path=/; max-age={age}; SameSite=Lax";}})();</script>'
    )
