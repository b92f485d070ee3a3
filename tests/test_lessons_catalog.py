"""Loading and validating lessons: good files load, broken ones fail with file and line."""

from pathlib import Path
from textwrap import dedent

import pytest

from lessons.__main__ import main as lessons_cli
from lessons.catalog import LessonError, lint, load_lessons, neighbours, parse_lesson, search

GOOD = dedent(
    """\
    ---
    title: Cold starts
    summary: What happens before your handler runs.
    objectives:
      - Explain a cold start
    covers: [cold-vs-warm]
    ---

    A function may wait up to {{ limits.timeout_max_s }} for work.

    ## Timeline

    ```dot
    digraph { rankdir=LR; init -> handler }
    ```

    ```python
    def handler(event, context):
        return {"ok": True}
    ```

    See [the basics](?lesson=basics#key-takeaways).

    ## Key takeaways

    - Cold starts happen once per environment.
    """
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def lesson_text(**replace: str) -> str:
    text = GOOD
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text


def test_a_good_lesson_loads_with_order_slug_diagram_and_rendered_facts(tmp_path):
    lesson = parse_lesson(write(tmp_path, "05-cold-starts.md", GOOD))
    assert (lesson.order, lesson.slug, lesson.title) == (5, "cold-starts", "Cold starts")
    kinds = [block.kind for block in lesson.blocks]
    assert kinds == ["markdown", "dot", "markdown"]
    assert "900 seconds (15 minutes)" in lesson.blocks[0].text
    assert [s.anchor for s in lesson.sections] == ["timeline", "key-takeaways"]


def test_missing_front_matter_names_the_file(tmp_path):
    path = write(tmp_path, "01-x.md", "# Just markdown\n")
    with pytest.raises(LessonError) as error:
        parse_lesson(path)
    assert "01-x.md:1: missing front matter" in str(error.value)


def test_bad_yaml_names_the_file_and_line(tmp_path):
    broken = GOOD.replace("summary: What happens", "summary: [unclosed")
    with pytest.raises(LessonError) as error:
        parse_lesson(write(tmp_path, "01-x.md", broken))
    assert "01-x.md:" in str(error.value)
    assert "not valid YAML" in str(error.value)


def test_unknown_fact_is_reported_on_its_line(tmp_path):
    broken = GOOD.replace("limits.timeout_max_s", "limits.timeout_forever")
    with pytest.raises(LessonError) as error:
        parse_lesson(write(tmp_path, "01-x.md", broken))
    line = (
        broken.splitlines().index(
            "A function may wait up to {{ limits.timeout_forever }} for work."
        )
        + 1
    )
    assert f"01-x.md:{line}: unknown fact 'limits.timeout_forever'" in str(error.value)


def test_python_sample_that_does_not_compile_is_reported(tmp_path):
    broken = GOOD.replace('return {"ok": True}', "return {")
    with pytest.raises(LessonError, match="Python sample does not compile"):
        parse_lesson(write(tmp_path, "01-x.md", broken))


def test_every_problem_in_a_file_is_reported_not_just_the_first(tmp_path):
    broken = GOOD.replace("summary: What happens before your handler runs.\n", "").replace(
        "## Key takeaways", "## Summary"
    )
    with pytest.raises(LessonError) as error:
        parse_lesson(write(tmp_path, "01-x.md", broken))
    messages = str(error.value)
    assert "lacks 'summary'" in messages and "Key takeaways" in messages


def test_bad_file_name_is_reported(tmp_path):
    with pytest.raises(LessonError, match="file name must be"):
        parse_lesson(write(tmp_path, "cold starts.md", GOOD))


def test_lint_reports_unknown_links_and_uncovered_topics(tmp_path):
    write(tmp_path, "syllabus.yaml", "cold-vs-warm: x\nvpc-access: y\n")
    write(tmp_path, "05-cold-starts.md", GOOD)
    lessons, problems = lint(tmp_path, tmp_path / "syllabus.yaml")
    text = "\n".join(str(p) for p in problems)
    assert len(lessons) == 1
    assert "link to unknown lesson 'basics'" in text
    assert "no lesson covers topic 'vpc-access'" in text


def test_lint_accepts_a_link_to_an_existing_section(tmp_path):
    write(tmp_path, "syllabus.yaml", "cold-vs-warm: x\n")
    write(tmp_path, "05-cold-starts.md", GOOD)
    write(
        tmp_path,
        "01-basics.md",
        GOOD.replace("(?lesson=basics#key-takeaways)", "(?lesson=cold-starts#timeline)"),
    )
    _, problems = lint(tmp_path, tmp_path / "syllabus.yaml")
    assert problems == []


def test_lint_command_exits_non_zero_and_prints_file_and_line(tmp_path, capsys):
    write(tmp_path, "syllabus.yaml", "cold-vs-warm: x\n")
    write(tmp_path, "01-basics.md", GOOD.replace("{{ limits.timeout_max_s }}", "{{ limits.nope }}"))
    assert lessons_cli(["lint", "--dir", str(tmp_path)]) == 1
    assert "01-basics.md:" in capsys.readouterr().out


# The course's own lessons.


def test_the_course_lessons_pass_the_linter_and_cover_the_syllabus():
    lessons, problems = lint()
    assert problems == [], "\n".join(map(str, problems))
    assert 10 <= len(lessons) <= 14
    assert [lesson.order for lesson in lessons] == sorted({lesson.order for lesson in lessons})


def test_required_diagrams_exist():
    slugs_with_diagrams = {x.slug for x in load_lessons() if any(b.kind == "dot" for b in x.blocks)}
    for slug in (
        "invocation-types-and-triggers",
        "execution-model-and-cold-starts",
        "patterns-and-exam-scenarios",
    ):
        assert slug in slugs_with_diagrams


def test_search_needs_every_word_and_ranks_title_matches_first():
    hits = search("cold start")
    assert hits and hits[0].lesson.slug == "execution-model-and-cold-starts"
    assert all("cold" in (h.lesson.title + h.lesson.plain_text()).lower() for h in hits)
    assert search("zzqx-no-such-word") == []


def test_neighbours_follow_course_order():
    lessons = load_lessons()
    assert neighbours(lessons[0], lessons) == (None, lessons[1])
    assert neighbours(lessons[-1], lessons) == (lessons[-2], None)


def test_comments_inside_code_blocks_are_not_headings(tmp_path):
    text = GOOD.replace(
        "## Timeline", "```bash\n# zip the code\n## not a section\n```\n\n## Timeline"
    )
    lesson = parse_lesson(write(tmp_path, "05-cold-starts.md", text))
    assert [s.title for s in lesson.sections] == ["Timeline", "Key takeaways"]


@pytest.mark.parametrize(
    ("title", "anchor"),
    [
        ("SnapStart: resume instead of initialise", "snap-start-resume-instead-of-initialise"),
        ("Architectures: x86_64 or arm64", "architectures-x86-64-or-arm64"),
        ("The handler: Lambda's way in", "the-handler-lambdas-way-in"),
        ("Function URLs: HTTPS without API Gateway", "function-urls-https-without-api-gateway"),
        ("S3 to DynamoDB", "s3-to-dynamo-db"),
    ],
)
def test_section_anchors_follow_streamlits_slugs(title, anchor):
    from lessons.catalog import anchor_for

    assert anchor_for(title) == anchor
