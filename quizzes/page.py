"""Quizzes: practice with feedback, timed exams, review, spaced repetition and results."""

import datetime as dt
import random

import streamlit as st

from course.session import quiz_progress
from quizzes import charts
from quizzes.exam import PRESETS, Exam, draw_exam, score_exam
from quizzes.grading import PASS_MARK, InvalidResponse, grade, shuffled_options
from quizzes.progress import ExamRecord, QuizProgress
from quizzes.questions import DOMAINS, load_quizzes
from quizzes.widgets import ask, lesson_link, show_feedback

MODES = {
    "practice": ":material/school: Practice",
    "exam": ":material/timer: Exam",
    "review": ":material/replay: Review",
    "results": ":material/monitoring: Results",
}

catalog = load_quizzes()
questions = {q.id: q for q in catalog.questions}
progress: QuizProgress = quiz_progress()  # every answer, card and exam is stored as it happens
state = st.session_state.setdefault("quiz", {"attempt": 0, "current": None, "graded": None})
now = dt.datetime.now()

st.title("Quizzes")
if catalog.problems:
    with st.expander(
        f":material/warning: {len(catalog.problems)} problem(s) in the question banks"
    ):
        st.code("\n".join(map(str, catalog.problems)), language=None)
if not questions:
    st.error("No question could be loaded. Run `python -m quizzes lint` to see why.")
    st.stop()

# Deep links: ?question=<id> opens it in practice, ?exam=<id> opens that exam's results.
if st.query_params.get("question") in questions and state["current"] != st.query_params["question"]:
    state.update(current=st.query_params["question"], graded=None, attempt=state["attempt"] + 1)
    st.session_state["quiz_mode"] = "practice"
linked_exam = st.query_params.get("exam")
if linked_exam and st.session_state.get("linked_exam") != linked_exam:
    st.session_state["linked_exam"] = linked_exam  # open it once; the learner may move on
    st.session_state["quiz_mode"] = "results"
st.session_state.setdefault("quiz_mode", st.query_params.get("mode", "practice"))
mode = (
    st.segmented_control(
        "Mode", list(MODES), format_func=MODES.get, key="quiz_mode", label_visibility="collapsed"
    )
    or "practice"
)


def sources() -> dict[str, list[str]]:
    """The question sets a learner can practise from, by label."""
    due_and_new = [
        *progress.due(now.date()),
        *[q for q in questions if q not in progress.cards],
    ]
    sets = {"Spaced repetition: due today, then new": due_and_new}
    for bank in catalog.banks:
        sets[bank.title] = [q.id for q in bank.questions]
    return sets


def next_question(pool: list[str]) -> None:
    remaining = [q for q in pool if q != state["current"]] or pool
    state.update(
        current=remaining[0] if remaining else None, graded=None, attempt=state["attempt"] + 1
    )
    st.query_params.pop("question", None)


def practise(pool: list[str], record_mode: str) -> None:
    """One question at a time with immediate feedback (practice and review)."""
    current = state["current"]
    deep_linked = st.query_params.get("question") == current
    if current not in questions or not (current in pool or state["graded"] or deep_linked):
        next_question(pool)
    qid = state["current"]
    if qid is None:
        st.success("Nothing left here. Pick another set, or come back when questions are due.")
        return
    question = questions[qid]
    domain_title = DOMAINS[question.domain][0]
    st.caption(
        f"{question.bank} · {domain_title} · difficulty {question.difficulty} · id `{question.id}`"
    )
    order = shuffled_options(
        question, f"{st.session_state.setdefault('seed', random.random())}-{state['attempt']}"
    )
    key = f"answer-{qid}-{state['attempt']}"
    with st.form(f"form-{key}"):
        response = ask(question, order, key, disabled=state["graded"] is not None)
        submitted = st.form_submit_button(
            "Check my answer", type="primary", disabled=state["graded"] is not None
        )
    if submitted:
        try:
            result = grade(question, response)
        except InvalidResponse as problem:
            st.warning(f"Your answer could not be checked: {problem}.", icon=":material/error:")
        else:
            progress.record(question, response, result, record_mode, now)
            state["graded"] = (response, result)
    if state["graded"]:
        show_feedback(question, state["graded"][1], state["graded"][0])
    left, middle, _ = st.columns([1, 1, 2])
    left.button(
        "Next question", on_click=next_question, args=(pool,), key="next-question", type="primary"
    )
    flagged = qid in progress.flagged
    middle.button(
        "Unflag" if flagged else "Flag for review",
        on_click=progress.toggle_flag,
        args=(qid,),
        key="flag",
    )


def practice_mode() -> None:
    options = sources()
    due = len(progress.due(now.date()))
    st.caption(f"{len(questions)} questions · {due} due for review today")
    label = st.selectbox("Questions from", list(options), key="practice-source")
    practise(options[label], "practice")


def review_mode() -> None:
    pool = progress.to_review()
    st.caption(f"{len(pool)} question(s) you got wrong or flagged.")
    if not pool:
        st.info("Nothing to review yet: answer some questions in Practice or take an exam.")
        return
    practise(pool, "review")


def exam_mode() -> None:
    exam: Exam | None = st.session_state.get("exam")
    if exam is None:
        pool = [q for q in catalog.questions if q.kind == "exam"]
        st.markdown(
            f"A timed exam drawn from **{len(pool)}** scenario questions in the SAA-C03 domain "
            "proportions. No feedback until you finish; flag questions to come back to them."
        )
        preset = st.radio(
            "Length", list(PRESETS), format_func=lambda p: PRESETS[p].name, key="exam-preset"
        )
        if st.button("Start the exam", type="primary", key="start-exam"):
            chosen = draw_exam(pool, PRESETS[preset].questions, seed=random.random())
            st.session_state["exam"] = Exam(
                [q.id for q in chosen], PRESETS[preset].minutes, now, str(random.random())
            )
            st.session_state["exam-index"] = 0
            st.rerun()
        return
    if exam.is_over(now):
        finish_exam(exam)
        return
    total = len(exam.question_ids)
    index = st.session_state.setdefault("exam-index", 0)
    answered = sum(1 for q in exam.question_ids if exam.answers.get(q) is not None)
    st.progress(answered / total, text=f"{answered} of {total} answered")
    clock()

    # Labels stay fixed (a changing label would reset the widget); status shows beside it.
    st.selectbox(
        "Go to question", range(total), format_func=lambda i: f"Question {i + 1}", key="exam-index"
    )
    unanswered = [i + 1 for i, q in enumerate(exam.question_ids) if exam.answers.get(q) is None]
    flagged = [i + 1 for i, q in enumerate(exam.question_ids) if q in exam.flagged]
    st.caption(
        f"Unanswered: {', '.join(map(str, unanswered)) or 'none'} · "
        f"Flagged: {', '.join(map(str, flagged)) or 'none'}"
    )
    qid = exam.question_ids[index]
    question = questions[qid]
    st.subheader(f"Question {index + 1} of {total}")
    response = ask(question, shuffled_options(question, exam.seed), f"exam-{exam.seed}-{qid}")
    if response is not None:
        exam.answer(qid, response, now)
    cols = st.columns(4)
    cols[0].button(
        "← Previous", disabled=index == 0, on_click=move, args=(-1, total), key="exam-prev"
    )
    cols[1].button(
        "Next →", disabled=index == total - 1, on_click=move, args=(1, total), key="exam-next"
    )
    cols[2].button(
        "Unflag" if qid in exam.flagged else "Flag",
        on_click=exam.toggle_flag,
        args=(qid,),
        key="exam-flag",
    )
    if cols[3].button("Finish exam", type="primary", key="finish-exam"):
        exam.finish(now)
        finish_exam(exam)


def move(step: int, total: int) -> None:
    st.session_state["exam-index"] = min(max(0, st.session_state["exam-index"] + step), total - 1)


@st.fragment(run_every=1)
def clock() -> None:
    exam: Exam | None = st.session_state.get("exam")
    if exam is None:
        return
    left = exam.seconds_left(dt.datetime.now())
    st.caption(f":material/timer: Time left: {left // 60:02d}:{left % 60:02d}")
    if left == 0:
        st.rerun()  # the whole page then closes the exam


def finish_exam(exam: Exam) -> None:
    exam.finish(now)
    result = score_exam(exam, questions)
    record = ExamRecord(
        id=f"exam-{len(progress.exams) + 1}-{exam.seed[2:8]}",
        preset=f"{len(exam.question_ids)} questions",
        finished=exam.finished,
        question_ids=tuple(exam.question_ids),
        answers=dict(exam.answers),
        flagged=frozenset(exam.flagged),
        result=result,
    )
    progress.record_exam(record, questions)
    del st.session_state["exam"]
    st.query_params["exam"] = record.id  # the next run opens its results
    st.rerun()


def exam_results(record: ExamRecord) -> None:
    result = record.result
    verdict = "Pass" if result.passed else "Not yet a pass"
    st.subheader(f"Exam result: {verdict}")
    a, b, c = st.columns(3)
    a.metric(
        "Scaled score",
        result.scaled,
        delta=result.scaled - PASS_MARK,
        help=f"Pass mark {PASS_MARK}",
    )
    b.metric("Correct", f"{result.correct} / {result.total}")
    c.metric("Flagged", len(record.flagged))
    st.caption(
        "AWS does not publish how it scales raw scores; "
        "this maps 0–100% onto 100–1,000 in a straight line."
    )
    st.plotly_chart(charts.domain_breakdown(record), key=f"domains-{record.id}")
    for number, qid in enumerate(record.question_ids, 1):
        question = questions.get(qid)
        if question is None:
            continue
        graded = result.grades.get(qid)
        mark = ":material/check:" if graded and graded.correct else ":material/close:"
        flag = " ⚑" if qid in record.flagged else ""
        with st.expander(f"{mark} Question {number}{flag}: {question.stem.splitlines()[0][:90]}"):
            st.markdown(question.stem)
            if graded is None:
                st.warning("Not answered.")
                st.info(question.explanation or "", icon=":material/lightbulb:")
                lesson_link(question)
            else:
                show_feedback(question, graded, record.answers.get(qid), partial_credit=False)


def results_mode() -> None:
    record = progress.exam(st.query_params.get("exam", ""))
    if "exam" in st.query_params and record is None:
        st.warning("That exam result is not among your results.")
    if record:
        exam_results(record)
        st.divider()
    st.subheader("Your results over time")
    if not progress.attempts:
        st.info("Answer some questions and your accuracy by domain and topic will show here.")
        return
    if progress.exams:
        st.plotly_chart(charts.exam_scores(progress.exams), key="scores")
        for past in progress.exams:
            st.page_link(
                "quizzes/page.py",
                label=f"{past.id}: {past.result.scaled}",
                query_params={"exam": past.id},
            )
    labels = {key: title for key, (title, _) in DOMAINS.items()}
    st.plotly_chart(
        charts.accuracy_bars(progress.scores_by(questions, "domain"), "Accuracy by domain", labels),
        key="by-domain",
    )
    st.plotly_chart(
        charts.accuracy_bars(progress.scores_by(questions, "tags"), "Accuracy by topic"),
        key="by-topic",
    )
    weakest = progress.weakest_topics(questions)
    if weakest:
        st.markdown("**Your weakest topics, and what to reread:**")
        for score in weakest:
            slug = score.lesson.partition("#")[0]
            st.page_link(
                "lessons/page.py",
                label=f"{score.topic}: {score.accuracy:.0%} of {score.attempts} — reread {slug}",
                query_params={"lesson": slug},
            )


{"practice": practice_mode, "exam": exam_mode, "review": review_mode, "results": results_mode}[
    mode
]()
