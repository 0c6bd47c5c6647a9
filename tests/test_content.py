"""The shipped health-education content validates, and the validator catches broken content."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.domain.locales import SUPPORTED_LOCALES as LOCALES
from bot.domain.stages import PREGNANCY_STAGE_WEEKS, pregnancy_stage_message
from bot.domain.topic_search import find_topics
from bot.education import ContentError, load_catalog
from bot.education.telegram_html import telegram_html_problems

REQUIRED_TOPICS = {
    "masks",
    "ventilation",
    "hand_washing",
    "crowded_places",
    "home_monitoring",
    "pregnancy_danger_signs",
    "labour_preparation",
    "child_fever",
    "newborn_care_when_ill",
    "medicines_in_pregnancy",
    "stress_and_mood",
    "emergency_green_channel",
}


# --- the shipped content ----------------------------------------------------


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_shipped_content_has_every_required_topic(catalog):
    assert REQUIRED_TOPICS <= {t.id for t in catalog.topics}


def test_topics_come_in_menu_order(catalog):
    orders = [t.order for t in catalog.topics]
    assert orders == sorted(orders)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_shipped_text_renders_as_valid_telegram_html(catalog, locale):
    texts = [t.render(locale, emergency_number="120") for t in catalog.topics]
    texts += [
        m.render(locale, emergency_number="120")
        for m in (*catalog.pregnancy_stages, *catalog.child_stages)
    ]
    for text in texts:
        assert telegram_html_problems(text) == []
        assert "{" not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_emergency_number_is_never_written_out(catalog, locale):
    """A deployment with another number must not show 120 anywhere."""
    items = [*catalog.topics, *catalog.pregnancy_stages, *catalog.child_stages]
    for item in items:
        assert "120" not in item.render(locale, emergency_number="999"), item.id


def test_danger_texts_name_the_configured_number(catalog):
    for topic_id in ("pregnancy_danger_signs", "child_fever", "emergency_green_channel"):
        for locale in LOCALES:
            assert "112" in catalog.topic(topic_id).render(locale, emergency_number="112")


def test_rendering_escapes_the_number(catalog):
    text = catalog.topic("emergency_green_channel").render("en", emergency_number="1<2")
    assert "1&lt;2" in text


def test_topics_for_an_audience(catalog):
    pregnant = {t.id for t in catalog.topics_for("pregnant")}
    parent = {t.id for t in catalog.topics_for("parent")}
    assert "pregnancy_danger_signs" in pregnant and "pregnancy_danger_signs" not in parent
    assert "child_fever" in parent and "child_fever" not in pregnant
    assert {"masks", "hand_washing", "emergency_green_channel"} <= pregnant & parent
    both = {t.id for t in catalog.topics_for("pregnant", "parent")}
    assert both == pregnant | parent


def test_unknown_audience_and_topic_are_refused(catalog):
    with pytest.raises(ValueError):
        catalog.topics_for("grandparent")
    with pytest.raises(KeyError):
        catalog.topic("no_such_topic")


def test_single_week_messages_take_precedence_in_shipped_stages(catalog):
    due = date(2026, 6, 1)
    for week in (12, 20, 28, 32, 36, 37, 40):
        day = date.fromordinal(due.toordinal() - 280 + week * 7)
        assert pregnancy_stage_message(due, day, catalog.pregnancy_stages).id == (
            f"pregnancy_w{week}"
        )


def test_shipped_pregnancy_ranges_alone_cover_every_week(catalog):
    ranges = [m for m in catalog.pregnancy_stages if m.age_until - m.age_from > 1]
    covered = {w for m in ranges for w in range(m.age_from, m.age_until)}
    assert covered == set(PREGNANCY_STAGE_WEEKS)


def test_pregnancy_messages_are_marked_pregnancy_only(catalog):
    assert all(m.kind == "pregnancy" for m in catalog.pregnancy_stages)
    assert all(m.id.startswith("pregnancy_") for m in catalog.pregnancy_stages)
    assert all(m.kind == "child" for m in catalog.child_stages)


def test_a_stage_message_is_found_by_id(catalog):
    assert catalog.stage_message("child_0_1m").kind == "child"
    with pytest.raises(KeyError):
        catalog.stage_message("pregnancy_w99")


# --- the validator, on deliberately broken content --------------------------

SOURCE = '[[sources]]\ntitle = "A guide"\npublisher = "A health authority"\nyear = 2020\n'


def locale_table(locale: str, title: str, keywords: list[str], text: str) -> str:
    # JSON strings and arrays are valid TOML basic strings and arrays.
    return (
        f"[{locale}]\ntitle = {json.dumps(title, ensure_ascii=False)}\n"
        f"keywords = {json.dumps(keywords, ensure_ascii=False)}\n"
        f"text = {json.dumps(text, ensure_ascii=False)}\n"
    )


class ContentDir:
    """Builds a small content directory that is valid until a test breaks it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "topics").mkdir()
        (root / "stages").mkdir()

    def topic(
        self,
        topic_id: str,
        *,
        zh: tuple[str, list[str], str] | None,
        en: tuple[str, list[str], str] | None,
        sources: str = SOURCE,
    ) -> None:
        body = (
            f'id = "{topic_id}"\naudience = ["everyone"]\norder = 1\n'
            f"last_reviewed = 2026-11-23\n{sources}"
        )
        if zh is not None:
            body += locale_table("zh_Hans", *zh)
        if en is not None:
            body += locale_table("en", *en)
        (self.root / "topics" / f"{topic_id}.toml").write_text(body, encoding="utf-8")

    def stages(self, kind: str, entries: list[tuple[str, int, int]]) -> None:
        age_keys = {
            "pregnancy": ("first_week", "last_week"),
            "child": ("from_months", "until_months"),
        }
        first, last = age_keys[kind]
        body = f'kind = "{kind}"\n'
        for message_id, start, end in entries:
            body += (
                f'[[messages]]\nid = "{message_id}"\n{first} = {start}\n{last} = {end}\n'
                f"[[messages.sources]]\n"
                f'title = "A guide"\npublisher = "A health authority"\nyear = 2020\n'
                f'[messages.zh_Hans]\ntext = "阶段提示，紧急时拨打 {{emergency_number}}。"\n'
                f'[messages.en]\ntext = "A stage tip; in an emergency call {{emergency_number}}."\n'
            )
        (self.root / "stages" / f"{kind}.toml").write_text(body, encoding="utf-8")


@pytest.fixture
def content(tmp_path: Path) -> ContentDir:
    built = ContentDir(tmp_path)
    built.topic(
        "hands",
        zh=("正确洗手", ["洗手", "七步洗手法"], "<b>洗手</b>：搓手至少 20 秒。"),
        en=("Washing hands", ["wash hands"], "<b>Wash</b> for at least 20 seconds."),
    )
    built.topic(
        "masks",
        zh=("口罩", ["口罩"], "去医院戴 N95。急救电话 {emergency_number}。"),
        en=("Masks", ["mask"], "Wear an N95 in hospital. Emergencies: {emergency_number}."),
    )
    built.stages("pregnancy", [("pregnancy_all", 4, 42)])
    built.stages("child", [("child_all", 0, 72)])
    return built


def problems_of(root: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return str(caught.value)


def test_the_fixture_content_is_valid(content):
    catalog = load_catalog(content.root)
    assert [t.id for t in catalog.topics] == ["hands", "masks"]


def test_a_topic_missing_a_locale_is_rejected(content):
    content.topic("hands", zh=("正确洗手", ["洗手"], "洗手。"), en=None)
    assert "hands.toml: missing locale [en]" in problems_of(content.root)


def test_a_topic_without_sources_is_rejected(content):
    content.topic(
        "hands",
        zh=("正确洗手", ["洗手"], "洗手。"),
        en=("Washing hands", ["wash hands"], "Wash."),
        sources="",
    )
    assert "hands.toml: needs at least one [[sources]] entry" in problems_of(content.root)


def test_a_stage_message_without_sources_is_rejected(content):
    path = content.root / "stages" / "child.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[[messages.sources]]", "[messages.unsourced]"), encoding="utf-8")
    problems = problems_of(content.root)
    assert "needs at least one [[sources]] entry" in problems


def test_a_text_over_the_limit_once_the_number_is_filled_in_is_rejected(content):
    # 4095 characters fit as written; a 20-character number pushes them over 4096.
    text = "x" * (4095 - len("{emergency_number}")) + "{emergency_number}"
    assert len(text) == 4095
    content.topic("hands", zh=("正确洗手", ["洗手"], "洗手。"), en=("Hands", ["wash hands"], text))
    assert "characters when filled in; at most 4096" in problems_of(content.root)


def test_an_over_long_button_title_is_rejected(content):
    content.topic(
        "hands",
        zh=("洗手洗手洗手洗手洗手洗手洗", ["洗手"], "洗手。"),
        en=("Washing hands", ["wash hands"], "Wash."),
    )
    assert "at most 12" in problems_of(content.root)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>unclosed", "<b> is never closed"),
        ("<b>crossed <i>tags</b></i>", "</b> where </i> was expected"),
        ("<p>paragraph</p>", "<p> is not a tag Telegram allows"),
        ("<a>no link</a>", "<a> needs a non-empty href"),
        ("fever < 38", "unescaped '<'"),
        ("soap & water", "bare '&'"),
    ],
)
def test_invalid_telegram_html_is_rejected(content, text, expected):
    content.topic("hands", zh=("正确洗手", ["洗手"], "洗手。"), en=("Hands", ["wash hands"], text))
    problems = problems_of(content.root)
    assert "hands.toml [en]: invalid Telegram HTML" in problems
    assert expected in problems


def test_an_unknown_placeholder_is_rejected(content):
    content.topic(
        "hands",
        zh=("正确洗手", ["洗手"], "请拨打 {emergency_phone}。"),
        en=("Hands", ["wash hands"], "Wash."),
    )
    assert "unknown placeholder {emergency_phone}" in problems_of(content.root)


def test_a_pregnancy_week_without_a_message_is_rejected(content):
    content.stages("pregnancy", [("pregnancy_early", 4, 20), ("pregnancy_late", 22, 42)])
    problems = problems_of(content.root)
    assert "no pregnancy stage message for week 21" in problems
    assert "week 20" not in problems and "week 22" not in problems


def test_the_last_pregnancy_week_must_be_covered(content):
    content.stages("pregnancy", [("pregnancy_all", 4, 41)])
    assert "no pregnancy stage message for week 42" in problems_of(content.root)


def test_a_child_age_without_a_message_is_rejected(content):
    content.stages("child", [("child_baby", 0, 6), ("child_older", 12, 72)])
    problems = problems_of(content.root)
    for month in range(6, 12):
        assert f"no child stage message for month {month}" in problems
    assert "month 12" not in problems


def test_two_equally_specific_stage_messages_are_rejected(content):
    content.stages(
        "pregnancy", [("pregnancy_all", 4, 42), ("pregnancy_a", 12, 12), ("pregnancy_b", 12, 12)]
    )
    assert "week 12 is claimed equally by pregnancy_a, pregnancy_b" in problems_of(content.root)


def test_a_stage_outside_the_covered_span_is_rejected(content):
    content.stages("child", [("child_all", 0, 72), ("child_school", 72, 84)])
    assert "child_school covers months 72-83, outside 0-71" in problems_of(content.root)


def test_a_keyword_that_finds_no_topic_is_rejected(content):
    content.topic(
        "hands",
        zh=("正确洗手", ["洗手"], "洗手。"),
        en=("Washing hands", ["wash hands", "???"], "Wash."),
    )
    assert "hands.toml [en]: keyword '???' does not find this topic" in problems_of(content.root)


def test_every_problem_is_listed_at_once(content):
    content.topic("hands", zh=("正确洗手", ["洗手"], "洗手。"), en=None)
    content.topic("masks", zh=("口罩", ["口罩"], "<b>口罩"), en=("Masks", ["mask"], "Masks."))
    content.stages("child", [("child_baby", 0, 60)])
    problems = problems_of(content.root)
    assert "missing locale [en]" in problems
    assert "<b> is never closed" in problems
    assert "no child stage message for month 71" in problems


def test_unreadable_toml_is_reported_by_file(content):
    (content.root / "topics" / "broken.toml").write_text("id = \n", encoding="utf-8")
    assert "broken.toml: not valid TOML" in problems_of(content.root)


def test_every_shipped_keyword_finds_its_topic(catalog):
    """The same property load_catalog enforces, stated for readers of the tests."""
    for topic in catalog.topics:
        for locale in LOCALES:
            for keyword in topic.keywords(locale):
                assert topic.id in find_topics(keyword, locale, catalog.topics)


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold <i>and italic</i></b> <u>u</u> <s>s</s>",
        '<a href="https://example.org/?a=1&amp;b=2">a link</a>',
        '<pre><code class="language-python">print(1)</code></pre>',
        "&lt;3 &gt; &amp; &quot; &#128512; &#x1F600;",
        "<tg-spoiler>hidden</tg-spoiler> <blockquote expandable>quote</blockquote>",
        "体温 ≥37.5 ℃，呼吸 ≥40 次/分",
    ],
)
def test_valid_telegram_html_passes(text):
    assert telegram_html_problems(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("line<br/>break", "no self-closing tags"),
        ("<code><b>x</b></code>", "<b> inside <code>"),
        ('<a href="x"><a href="y">n</a></a>', "<a> inside another <a>"),
        ("&#0;", "is not a character"),
        ("&nbsp;", "bare '&'"),
        ("<b>x</ b>", "'</' followed by a space"),
        ("<!-- note -->", "comments are not allowed"),
        ("</i>", "</i> closes nothing"),
        ('<b class="x">x</b>', "does not take the attribute 'class'"),
    ],
)
def test_invalid_telegram_html_is_reported(text, expected):
    assert any(expected in p for p in telegram_html_problems(text))
