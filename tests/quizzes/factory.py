"""Questions built in code for the engine's tests (the shipped banks are tested separately)."""

from quizzes.questions import Option, Question


def make_question(qtype: str = "single", **overrides) -> Question:
    options = {
        "single": (Option("a", "Right", "because"), Option("b", "Wrong", "because not")),
        "truefalse": (Option("true", "True", "yes"), Option("false", "False", "no")),
        "multiple": tuple(Option(x, x.upper(), f"why {x}") for x in "abcde"),
        "ordering": tuple(Option(x, f"step {x}", "") for x in "wxyz"),
        "numeric": (),
    }[qtype]
    answer = {
        "single": "a",
        "truefalse": "true",
        "multiple": ("a", "c"),
        "ordering": ("w", "x", "y", "z"),
        "numeric": 0.2,
    }[qtype]
    fields = dict(
        id=f"q-{qtype}", type=qtype, stem="Stem?", options=options, answer=answer,
        explanation="Because.", tags=("t",), domain="cost", difficulty=1,
        lesson="pricing", bank="test", kind="exam", tolerance=0.01 if qtype == "numeric" else 0.0,
    )  # fmt: skip
    fields.update(overrides)
    return Question(**fields)
