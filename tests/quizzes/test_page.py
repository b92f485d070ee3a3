"""The quiz page, headless: practice, review, a timed exam and results."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from quizzes.questions import load_quizzes

APP = str(Path(__file__).resolve().parents[2] / "app.py")
CATALOG = load_quizzes()
SINGLE = next(q for q in CATALOG.questions if q.type == "single")


def open_quizzes(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("quizzes/page.py").run()
    assert not at.exception, at.exception
    return at


def radio_for(at: AppTest, question):
    return next(r for r in at.radio if r.key and r.key.startswith(f"answer-{question.id}-"))


def submit(at: AppTest) -> AppTest:
    submit_button = next(b for b in at.button if b.label == "Check my answer")
    submit_button.click().run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(i.value for i in at.info)


def test_a_deep_linked_question_answered_right_shows_why_and_the_lesson():
    at = open_quizzes(question=SINGLE.id)
    assert SINGLE.stem.splitlines()[0] in page_text(at)
    radio_for(at, SINGLE).set_value(SINGLE.answer)  # form values travel with the submit
    submit(at)
    assert at.success[0].value == "Correct."
    text = page_text(at)
    for option in SINGLE.options:
        assert option.why.splitlines()[0] in text
    assert any(link.label.startswith("Read:") for link in at.get("page_link"))


def test_a_wrong_answer_says_so_and_explains_every_option():
    wrong = next(o.id for o in SINGLE.options if o.id != SINGLE.answer)
    at = open_quizzes(question=SINGLE.id)
    radio_for(at, SINGLE).set_value(wrong)
    submit(at)
    assert at.error[0].value == "Not quite."
    assert "(your choice)" in page_text(at)


def test_the_answer_key_is_not_on_the_page_before_submitting():
    at = open_quizzes(question=SINGLE.id)
    text = page_text(at)
    for option in SINGLE.options:
        assert option.why.splitlines()[0] not in text
    assert not at.success and not at.error


def test_submitting_nothing_gets_a_message_not_a_crash():
    at = open_quizzes(question=SINGLE.id)
    submit(at)
    assert "could not be checked" in at.warning[0].value


def test_a_missed_question_comes_back_in_review():
    wrong = next(o.id for o in SINGLE.options if o.id != SINGLE.answer)
    at = open_quizzes(question=SINGLE.id)
    radio_for(at, SINGLE).set_value(wrong)
    submit(at)
    at.query_params.pop("question", None)
    at.segmented_control(key="quiz_mode").set_value("review").run()
    assert not at.exception
    assert "1 question(s) you got wrong or flagged" in "\n".join(c.value for c in at.caption)
    assert SINGLE.stem.splitlines()[0] in page_text(at)


def test_a_sprint_exam_answered_right_passes_and_shows_results_by_domain():
    at = open_quizzes()
    at.segmented_control(key="quiz_mode").set_value("exam").run()
    at.radio(key="exam-preset").set_value("sprint").run()
    at.button(key="start-exam").click().run()
    exam = at.session_state["exam"]
    questions = {q.id: q for q in CATALOG.questions}
    for index, qid in enumerate(exam.question_ids):
        at.selectbox(key="exam-index").set_value(index).run()
        question = questions[qid]
        key = f"exam-{exam.seed}-{qid}"
        if question.type in ("single", "truefalse"):
            at.radio(key=key).set_value(question.answer).run()
        elif question.type == "multiple":
            for option in question.options:
                at.checkbox(key=f"{key}-{option.id}").set_value(option.id in question.answer).run()
        elif question.type == "ordering":
            at.multiselect(key=key).set_value(list(question.answer)).run()
        else:
            at.text_input(key=key).input(str(question.answer)).run()
        assert not at.exception, at.exception
    at.button(key="finish-exam").click().run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Exam result: Pass"
    assert at.metric[0].value == "1000"
    assert at.query_params["exam"].startswith("exam-1-")
    assert at.get("plotly_chart"), "the domain breakdown and history charts render"


def test_feedback_links_the_lab_that_practises_the_point():
    from labs.model import labs_for_lesson, load_labs

    question = next(
        q
        for q in CATALOG.questions
        if q.type == "single" and labs_for_lesson(load_labs(), q.lesson_slug)
    )
    at = open_quizzes(question=question.id)
    radio_for(at, question).set_value(question.answer)
    submit(at)
    assert any(link.label.startswith("Practise it: Lab") for link in at.get("page_link"))
