"""The Streamlit side of progress: who the learner is, and their progress for the pages.

Identity. Every script run starts in ``app.py`` with ``identity()``: the learner's signed
token comes from the address (``?learner=<token>``), else from the session (navigation
drops query parameters; the session remembers), else from the ``lambda_lab_learner``
cookie (a new tab opened on a bare address), else a new guest is made. The token is then
put back in the address, so a reload, a bookmark or a copied link keeps the learner, and
written to the cookie once per session. Why both: the address works in every browser,
in AppTest and across devices (it is the learner's personal link), but a link without
it (a new tab, a typed address) would lose the learner; the cookie covers that, but is
shared by every tab of a browser profile and cannot be set by Streamlit itself (only
read), so it is the fallback, set by a line of JavaScript through ``st.html``.

Progress. A learner's snapshot (lessons, lab steps, quiz history) is cached in the
session with its revision; every run asks the store for the revision only (one indexed
read) and reloads the snapshot when it changed: another tab, another app process, an
import or the learner's own last write. Writes go straight to the store and are
committed before the call returns.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from progress.identity import (
    COOKIE,
    LEARNER_PARAM,
    WORKSHOP_PARAM,
    IdentityError,
    carry_identity,
    clean_code,
    clean_name,
    cookie_script,
    new_learner_id,
    sign,
    verify,
)
from progress.quiz import StoredQuizProgress
from progress.records import Learner, LearnerSnapshot
from progress.sql import UnknownWorkshop
from progress.store import ProgressStore, open_store

if TYPE_CHECKING:
    from sandbox.server import Sandbox

IDENTITY = "progress.identity"
SNAPSHOT = "progress.snapshot"
POSITION = "progress.position"
COOKIE_WRITTEN = "progress.cookie"
SIGNED_OUT = "progress.signed_out"
BAD_LINK = "progress.bad_link"
JOIN_ASKED = "progress.join_asked"
HEARTBEAT_S = 60  # how often an unchanged position is written again, as "last seen"

_store: ProgressStore | None = None
_store_lock = threading.Lock()
# Sandbox resets the instructor asked for, as applied in this process: learner -> when.
_applied_resets: dict[str, dt.datetime | None] = {}
_resets_lock = threading.Lock()


@dataclass(frozen=True)
class Identity:
    learner_id: str
    token: str


def get_store() -> ProgressStore:
    """The process's store, opened on first use from the environment (see progress.store)."""
    global _store
    with _store_lock:
        if _store is None:
            _store = open_store()
        return _store


def use_store(store: ProgressStore | None) -> ProgressStore | None:
    """Swap the process's store (tests, the bench); returns the previous one."""
    global _store
    with _store_lock:
        previous, _store = _store, store
        return previous


# Identity ----------------------------------------------------------------------------------


def identity() -> Identity:
    """The learner of this session, resolved as the module docstring says. Cheap: call it
    wherever the learner is needed."""
    state = st.session_state
    secret = get_store().secret()
    current: Identity | None = state.get(IDENTITY)
    in_address = st.query_params.get(LEARNER_PARAM)
    if in_address and (current is None or in_address != current.token):
        learner_id = verify(in_address, secret)
        if learner_id:
            current = _switch_to(Identity(learner_id, in_address))
        else:
            state[BAD_LINK] = True
    if current is None:
        from_cookie = None if state.get(SIGNED_OUT) else st.context.cookies.get(COOKIE)
        learner_id = verify(from_cookie, secret)
        if learner_id and from_cookie:
            current = _switch_to(Identity(learner_id, from_cookie))
        else:
            new_id = new_learner_id()
            current = _switch_to(Identity(new_id, sign(new_id, secret)))
    if st.query_params.get(LEARNER_PARAM) != current.token:
        st.query_params[LEARNER_PARAM] = current.token
    return current


def _switch_to(found: Identity) -> Identity:
    st.session_state[IDENTITY] = found
    st.session_state.pop(SNAPSHOT, None)
    st.session_state.pop(POSITION, None)
    return found


def learner_id() -> str:
    """Who this session is: the store's learner and, through it, their sandbox account."""
    return identity().learner_id


def sign_out() -> None:
    """Forget the learner in this browser: the next run starts a new guest."""
    for key in (IDENTITY, SNAPSHOT, POSITION, COOKIE_WRITTEN):
        st.session_state.pop(key, None)
    st.session_state[SIGNED_OUT] = True
    st.query_params.pop(LEARNER_PARAM, None)


def personal_link(page_path: str = "") -> str:
    """The address that opens the course as this learner, on any browser."""
    base = (st.context.url or "").split("?")[0].rstrip("/")
    if page_path and base.endswith("/" + page_path):
        base = base[: -len(page_path) - 1]
    return f"{base}/?{LEARNER_PARAM}={identity().token}"


def with_identity(markdown: str) -> str:
    """A lesson's text with the learner's token in its links to other lessons."""
    return carry_identity(markdown, identity().token)


# Progress ----------------------------------------------------------------------------------


def snapshot() -> LearnerSnapshot:
    """Everything stored about the learner, reloaded only when their revision moved."""
    me = identity()
    store = get_store()
    cached: LearnerSnapshot | None = st.session_state.get(SNAPSHOT)
    if (
        cached is not None
        and cached.learner.id == me.learner_id
        and cached.revision == store.revision(me.learner_id)
    ):
        return cached
    fresh = store.snapshot(me.learner_id)
    st.session_state[SNAPSHOT] = fresh
    return fresh


def invalidate() -> None:
    st.session_state.pop(SNAPSHOT, None)


def current_learner() -> Learner:
    return snapshot().learner


def done_lessons() -> set[str]:
    return set(snapshot().lessons_done)


def set_lesson_done(slug: str, done: bool) -> None:
    get_store().set_lesson_done(learner_id(), slug, done)


def lab_progress() -> dict[str, dict[str, bool]]:
    """lab slug -> {step id: passed}, as the latest check of each step said."""
    return snapshot().lab_progress()


def record_lab_check(lab: str, step: str, passed: bool) -> None:
    get_store().record_check(learner_id(), lab, step, passed)


def reset_lab_progress(lab: str) -> None:
    get_store().reset_lab(learner_id(), lab)


def quiz_progress() -> StoredQuizProgress:
    """The learner's quiz history; the quiz page's changes to it are stored as they happen."""
    return StoredQuizProgress(get_store(), learner_id(), snapshot().quiz, invalidate)


def record_position(
    *, lesson: str | None = None, lab: str | None = None, step: str | None = None
) -> None:
    """Where the learner is, for the instructor: written when it changes, and once a
    minute while it does not (their "last seen")."""
    here = (lesson, lab, step)
    last = st.session_state.get(POSITION)
    now = time.monotonic()
    if last and last[0] == here and now - last[1] < HEARTBEAT_S:
        return
    get_store().record_position(learner_id(), lesson=lesson, lab=lab, step=step)
    st.session_state[POSITION] = (here, now)


def apply_sandbox_reset(learner: Learner) -> bool:
    """Reset the learner's sandbox in this process if the instructor asked since we last
    looked (with a sandbox per app process, each applies it where the learner works)."""
    with _resets_lock:
        if learner.id not in _applied_resets:
            _applied_resets[learner.id] = learner.sandbox_reset_at  # a baseline, nothing to do
            return False
        seen = _applied_resets[learner.id]
        asked = learner.sandbox_reset_at
        if asked is None or (seen is not None and asked <= seen):
            return False
        _applied_resets[learner.id] = asked
    running = _running_sandbox()
    if running is not None:
        running.reset_learner(learner.id)
    return True


def _running_sandbox() -> Sandbox | None:
    """The sandbox of this process, if one runs (without importing moto just to ask)."""
    server = sys.modules.get("sandbox.server")
    return server.Sandbox.current() if server is not None else None


def reset_sandbox_now(learner_id_: str) -> None:
    """The instructor's reset: here at once, and in the other app processes on their
    learner's next page run."""
    asked = get_store().request_sandbox_reset(learner_id_)
    with _resets_lock:
        _applied_resets[learner_id_] = asked
    running = _running_sandbox()
    if running is not None:
        running.reset_learner(learner_id_)


# Sign-in -----------------------------------------------------------------------------------


def save_identity_form(name: str, code: str) -> str | None:
    """Save a name and workshop code typed by the learner; the problem, or None if saved."""
    try:
        cleaned = clean_name(name)
        workshop = clean_code(code) if code.strip() else ""
        get_store().save_learner(learner_id(), name=cleaned, workshop=workshop)
    except (IdentityError, UnknownWorkshop) as problem:
        text = str(problem)
        return text[:1].upper() + text[1:] + "."
    invalidate()
    return None


def identity_form(key: str, code_hint: str = "") -> bool:
    """Name and workshop code, in a form; True once saved."""
    learner = current_learner()
    with st.form(f"identity-{key}", border=False):
        name = st.text_input(
            "Your name",
            value=learner.name,
            max_chars=40,
            placeholder="A first name or a nickname",
            key=f"identity-name-{key}",
        )
        code = st.text_input(
            "Workshop code (if your instructor gave you one)",
            value=code_hint or learner.workshop or "",
            max_chars=12,
            placeholder="e.g. K7QX2M",
            key=f"identity-code-{key}",
        )
        saved = st.form_submit_button("Save", type="primary")
    if saved:
        problem = save_identity_form(name, code)
        if problem:
            st.error(problem, icon=":material/error:")
            return False
        return True
    return False


@st.dialog("Who is learning?")
def identity_dialog(code_hint: str = "") -> None:
    st.caption(
        "No password: your progress is saved under this name and follows you through your "
        "personal link (the address bar keeps it)."
    )
    if identity_form("dialog", code_hint):
        st.rerun()


def identity_sidebar() -> None:
    """The learner's line in the sidebar: who they are, a button to pick a name, the cookie."""
    me = identity()
    learner = current_learner()
    apply_sandbox_reset(learner)
    state = st.session_state
    join = st.query_params.get(WORKSHOP_PARAM)
    with st.sidebar:
        if state.pop(BAD_LINK, False):
            st.warning(
                "The learner link in the address is not valid on this server; you continue "
                f"as {learner.display_name}.",
                icon=":material/link_off:",
            )
        where = f" · workshop `{learner.workshop}`" if learner.workshop else ""
        st.markdown(f"Learning as **{learner.display_name}**{where}")
        label = "Change name or workshop" if learner.name else "Choose your name"
        if st.button(label, key="identity-open", icon=":material/badge:"):
            identity_dialog()
        elif join and state.get(JOIN_ASKED) != join:
            state[JOIN_ASKED] = join  # a join link opens the dialog once, with its code
            st.query_params.pop(WORKSHOP_PARAM, None)
            try:
                code = clean_code(join)
            except IdentityError:
                st.warning(f"“{join}” is not a workshop code.", icon=":material/link_off:")
            else:
                if learner.workshop != code:
                    identity_dialog(code)
        if state.get(COOKIE_WRITTEN) != me.token and st.context.cookies.get(COOKIE) != me.token:
            st.html(cookie_script(me.token), unsafe_allow_javascript=True)
            state[COOKIE_WRITTEN] = me.token
