"""Every page and every lesson renders, headless, through Streamlit's AppTest."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lessons.catalog import load_lessons

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LESSONS = load_lessons()


def open_app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def open_lessons(slug: str | None = None) -> AppTest:
    at = open_app()
    if slug:
        at.query_params["lesson"] = slug
    at.switch_page("lessons/page.py").run()
    assert not at.exception, at.exception
    return at


def test_home_lists_every_lesson_and_no_progress_yet():
    at = open_app()
    assert at.title[0].value == "λ Lambda Lab"
    labels = [link.label for link in at.get("page_link")]
    for lesson in LESSONS:
        assert any(lesson.title in label for label in labels), lesson.title
    assert "0 of" in at.get("progress")[0].proto.text


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_every_lesson_renders_with_objectives_and_takeaways(lesson):
    at = open_lessons(lesson.slug)
    assert at.title[0].value == lesson.title
    text = "\n".join(m.value for m in at.markdown)
    assert "Key takeaways" in text
    assert lesson.objectives[0] in text
    diagrams = sum(block.kind == "dot" for block in lesson.blocks)
    assert len(at.get("graphviz_chart")) == diagrams
    assert "{{" not in text, "a fact placeholder was left unrendered"


def test_next_and_previous_follow_the_course_order():
    first, second = LESSONS[0], LESSONS[1]
    at = open_lessons(first.slug)
    at.button(key="next").click().run()
    assert at.title[0].value == second.title
    assert at.query_params["lesson"] == second.slug
    at.button(key="previous").click().run()
    assert at.title[0].value == first.title


def test_search_finds_a_lesson_and_opens_it():
    at = open_lessons()
    at.sidebar.text_input[0].input("NAT gateway").run()
    hits = [b for b in at.sidebar.button if b.key and b.key.startswith("hit-")]
    assert hits, "searching for 'NAT gateway' should find the networking lesson"
    hit = next(b for b in hits if "VPC" in b.label or "Network" in b.label)
    hit.click().run()
    assert "Network" in at.title[0].value or "VPC" in at.title[0].value


def test_deep_link_on_the_home_address_opens_that_lesson():
    target = LESSONS[4]
    at = open_app(lesson=target.slug)
    assert at.title[0].value == target.title


def test_unknown_lesson_says_so_and_shows_the_first():
    at = open_lessons("no-such-lesson")
    assert "no lesson called" in at.error[0].value
    assert at.title[0].value == LESSONS[0].title


def test_marking_a_lesson_done_shows_on_the_course_map():
    at = open_lessons(LESSONS[2].slug)
    at.toggle(key=f"done-{LESSONS[2].slug}").set_value(True).run()
    at.query_params.clear()  # as the browser does when the navigation changes page
    at.switch_page("course/home_page.py").run()
    assert f"1 of {len(LESSONS)}" in at.get("progress")[0].proto.text
    done_links = [link.label for link in at.get("page_link") if "check_circle" in link.label]
    assert len(done_links) == 1 and LESSONS[2].title in done_links[0]


def test_a_broken_lesson_file_is_reported_and_the_others_still_open(tmp_path, monkeypatch):
    from lessons import catalog

    for lesson in LESSONS[:2]:
        (tmp_path / lesson.path.name).write_text(lesson.path.read_text())
    (tmp_path / "03-broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    monkeypatch.setenv(catalog.LESSONS_DIR_ENV, str(tmp_path))
    catalog.load_catalog.cache_clear()
    try:
        at = open_lessons(LESSONS[1].slug)
        assert at.title[0].value == LESSONS[1].title
        problems = "\n".join(code.value for code in at.code)
        assert "03-broken.md:" in problems and "not valid YAML" in problems
    finally:
        catalog.load_catalog.cache_clear()


def test_choosing_a_lesson_in_the_contents_opens_it():
    at = open_lessons(LESSONS[0].slug)
    at.sidebar.radio(key="contents").set_value(LESSONS[-1].slug).run()
    assert at.title[0].value == LESSONS[-1].title
    assert at.query_params["lesson"] == LESSONS[-1].slug


def test_a_lesson_links_to_the_quiz_questions_on_its_topic():
    from quizzes.questions import load_quizzes

    linked = {q.lesson_slug for q in load_quizzes().questions}
    lesson = next(lesson for lesson in LESSONS if lesson.slug in linked)
    at = open_lessons(lesson.slug)
    links = [link for link in at.get("page_link") if "quizzes" in str(link.proto.page)]
    assert links, "the lesson should offer its quiz questions"


def test_a_lesson_offers_the_labs_that_practise_it():
    at = open_lessons("first-function-in-the-console")
    labs = [link for link in at.get("page_link") if "labs" in str(link.proto.page)]
    assert any("Your first function" in link.label for link in labs)
