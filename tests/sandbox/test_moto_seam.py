"""The seam between moto and the sandbox still fits the installed moto.

If moto changes a patched function's name or parameters, or an internal the sandbox
reads, this fails with the list of what changed and moto's version: update
``sandbox/moto_seam.py`` (and ``moto_state.py``) and the supported range together.
"""

from __future__ import annotations

import moto
import pytest

from sandbox import moto_seam, moto_state


def test_installed_moto_matches_the_seam():
    problems = moto_seam.check_contract()
    assert not problems, (
        f"moto {moto.__version__} no longer fits sandbox/moto_seam.py: " + "; ".join(problems)
    )


def test_the_sandbox_has_patched_motos_lambda_execution(sandbox):
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    assert moto_seam.installed()
    assert LambdaBackend.invoke.__module__ == "sandbox.moto_seam"
    assert LambdaFunction.invoke.__module__ == "sandbox.moto_seam"
    with pytest.raises(moto_seam.SeamError, match="Docker"):
        LambdaFunction._invoke_lambda(None)  # type: ignore[arg-type]


def test_a_stored_function_reads_into_a_spec(learner):
    """Exercises every attribute of moto's LambdaFunction that moto_state reads."""
    name = learner.create_function(
        "def handler(e, c):\n    return 1\n",
        MemorySize=256,
        Timeout=9,
        Environment={"Variables": {"A": "1"}},
        EphemeralStorage={"Size": 1024},
    )
    backend = moto_state.lambda_backend(learner.account_id, "us-east-1")
    spec, invoked_arn = moto_state.resolve_invocation(backend, name, None)
    assert (spec.function_name, spec.version, spec.handler, spec.runtime) == (
        name,
        "$LATEST",
        "app.handler",
        "python3.12",
    )
    assert (spec.memory_mb, spec.timeout_s, spec.ephemeral_mb) == (256, 9.0, 1024)
    assert spec.environment == {"A": "1"} and spec.role_arn == learner.role_arn
    assert len(spec.code_sha256) == 64 and spec.code_zip.startswith(b"PK")
    assert invoked_arn == spec.function_arn


def test_a_moto_change_is_reported_with_its_version(monkeypatch):
    from moto.awslambda.models import LambdaFunction

    monkeypatch.setattr(moto_seam, "_originals", {})
    monkeypatch.setattr(LambdaFunction, "invoke", lambda self, body: None)
    problems = moto_seam.check_contract()
    assert any("LambdaFunction.invoke takes ['self', 'body']" in p for p in problems)
    with pytest.raises(moto_seam.SeamError, match=f"moto {moto.__version__}"):
        moto_seam.install(None)  # type: ignore[arg-type]
