"""Learner tokens, names, workshop codes and links that keep the learner."""

from __future__ import annotations

import pytest

from progress.identity import (
    COOKIE,
    IdentityError,
    carry_identity,
    clean_code,
    clean_name,
    cookie_script,
    new_learner_id,
    new_secret,
    new_workshop_code,
    sign,
    verify,
)

SECRET = new_secret()


def test_a_token_proves_its_learner_id_to_the_database_that_signed_it():
    learner = new_learner_id()
    token = sign(learner, SECRET)
    assert token.startswith(learner + ".")
    assert verify(token, SECRET) == learner
    assert verify(token, new_secret()) is None  # another database's token


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "learner-0123456789ab",  # an id without a signature
        "learner-0123456789ab.AAAAAAAAAAAAAAAAAAAAAA",
        "someone-else.xyz",
        "a.b.c",
    ],
)
def test_a_token_without_the_right_signature_proves_nothing(forged):
    assert verify(forged, SECRET) is None


def test_changing_the_id_in_a_token_breaks_it():
    token = sign("learner-0123456789ab", SECRET)
    forged = "learner-0123456789ac" + token[len("learner-0123456789ab") :]
    assert verify(forged, SECRET) is None


def test_new_learner_ids_are_distinct_and_signable():
    ids = {new_learner_id() for _ in range(200)}
    assert len(ids) == 200
    for learner in list(ids)[:5]:
        assert verify(sign(learner, SECRET), SECRET) == learner


def test_names_are_trimmed_and_checked():
    assert clean_name("  Ana   María ") == "Ana María"
    for bad in ["", "   ", "x" * 41, "bell\x07"]:
        with pytest.raises(IdentityError):
            clean_name(bad)


def test_workshop_codes_read_back_however_they_are_typed():
    code = new_workshop_code()
    assert len(code) == 6 and clean_code(code) == code
    assert clean_code(f" {code[:3].lower()}-{code[3:]} ") == code
    for bad in ["", "ABC", "K7QX2O", "K7QX2M9"]:  # O is never in a code
        with pytest.raises(IdentityError):
            clean_code(bad)


def test_links_between_lessons_carry_the_token_and_keep_their_anchor():
    text = (
        "See [the execution model](?lesson=execution-model-and-cold-starts) and "
        "[quotas](?lesson=configuration-and-limits#quotas), or [AWS](https://aws.amazon.com)."
    )
    carried = carry_identity(text, "learner-0123456789ab.SIG")
    assert "(?lesson=execution-model-and-cold-starts&learner=learner-0123456789ab.SIG)" in carried
    assert "(?lesson=configuration-and-limits&learner=learner-0123456789ab.SIG#quotas)" in carried
    assert "(https://aws.amazon.com)" in carried
    assert carry_identity(carried, "learner-0123456789ab.NEW").count("learner=") == 2


def test_the_cookie_script_sets_and_clears_only_a_safe_token():
    script = cookie_script("learner-0123456789ab.SIG_-x")
    assert f"{COOKIE}=learner-0123456789ab.SIG_-x; path=/; max-age=" in script
    assert "max-age=0" in cookie_script(None)
    with pytest.raises(IdentityError):
        cookie_script('x"; alert(1); "')
