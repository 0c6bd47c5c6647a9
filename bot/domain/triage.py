"""Triage of one self-report: which danger signs does it show, and how urgent is it?

Every threshold lives in content/triage/rules.toml so a health authority can change it
without code; this module only knows how to read rules and check them against a report.
`assess` is pure (no clock, no storage): the caller passes `today` and the recent history.

The outcome names *signs* (rule ids), never a condition: the bot does not diagnose.

Staff alert policy: staff are alerted when the level is PRIORITY_FOLLOW_UP or higher, that
is for an emergency, for see-a-doctor-today, for a positive PHQ-2, and for a mother in the
priority group (orange/red/purple or gestation >= 37+0, from risk_colours.toml) whose report
is notable (anything ticked, a positive test, isolation, or a fever-level reading; the
`priority.notable_report` rule). A routine report from anyone else is not an alert.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.children import child_age
from bot.domain.gestation import GestationalAge, gestational_age
from bot.domain.locales import SUPPORTED_LOCALES as LOCALES

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "content" / "triage" / "rules.toml"
LABEL_LIMITS = {"zh_Hans": 20, "en": 30}  # what fits on a Telegram checklist button
KINDS = ("pregnancy", "child")
AUDIENCES = ("user", "staff")


class RulesError(ValueError):
    """The rules file is not safe to run: a missing source, text, symptom or a typo."""


class Level(IntEnum):
    """Ordered so that the highest level among matching rules wins with max()."""

    ROUTINE = 0
    PRIORITY_FOLLOW_UP = 1
    SEE_DOCTOR_TODAY = 2
    EMERGENCY = 3

    @property
    def code(self) -> str:
        return self.name.lower()


# ----- what comes in --------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Who the report is about. `gestational_age` is as of the day of assessment and is
    used only when no due date is known. A string `risk_colours` is read as one colour."""

    kind: str
    due_date: date | None = None
    gestational_age: GestationalAge | None = None
    risk_colours: frozenset[str] = frozenset()
    birth_date: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"subject kind must be one of {KINDS}, not {self.kind!r}")
        colours = self.risk_colours
        colours = frozenset({colours}) if isinstance(colours, str) else frozenset(colours)
        object.__setattr__(self, "risk_colours", colours)


@dataclass(frozen=True)
class Report:
    """One self-report. `reported_on` is required for reports passed as history.

    `fever_days` / `symptom_days` answer "for how many days?" (today counts as day 1).
    `isolation` is None or "none" when not isolating; `test_result` e.g. "positive".
    `phq2` holds the two PHQ-2 answers, 0-3 each.
    """

    reported_on: date | None = None
    symptoms: frozenset[str] = frozenset()
    temperature_c: float | None = None
    spo2: float | None = None
    breathing_rate: int | None = None
    fever_days: int | None = None
    symptom_days: Mapping[str, int] = field(default_factory=dict)
    test_result: str | None = None
    isolation: str | None = None
    phq2: tuple[int, int] | None = None
    hours_since_urine: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "symptoms", frozenset(self.symptoms))
        if self.phq2 is not None:
            answers = tuple(self.phq2)
            if len(answers) != 2 or any(a not in (0, 1, 2, 3) for a in answers):
                raise ValueError("phq2 needs two answers, each 0-3")
            object.__setattr__(self, "phq2", answers)

    @property
    def phq2_total(self) -> int | None:
        return None if self.phq2 is None else sum(self.phq2)

    def days_of(self, symptom: str) -> int | None:
        return self.fever_days if symptom == "fever" else self.symptom_days.get(symptom)


@dataclass(frozen=True)
class Assessment:
    level: Level
    reasons: tuple[str, ...]  # rule ids, most severe first, then in file order
    priority_group: bool
    alert_staff: bool
    fever_clinic: bool  # caller shows fever-clinic directions (never a massage venue)
    delivery_hospital: bool  # caller shows the delivery hospital / emergency midwifery unit
    rules_version: str


# ----- rules as data --------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One text per locale; Chinese is the default for any other locale."""

    zh_Hans: str
    en: str

    def get(self, locale: str) -> str:
        return self.en if locale.replace("-", "_").split("_")[0].lower() == "en" else self.zh_Hans


@dataclass(frozen=True)
class Range:
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    if_unknown: bool = False

    def holds(self, value: float | None) -> bool:
        if value is None:
            return self.if_unknown
        return (
            (self.lt is None or value < self.lt)
            and (self.le is None or value <= self.le)
            and (self.gt is None or value > self.gt)
            and (self.ge is None or value >= self.ge)
        )


@dataclass(frozen=True)
class Lasting:
    """A symptom (or, for fever, a reading meeting `temperature_c`) lasting `days`."""

    symptom: str
    days: Range
    temperature_c: Range | None = None

    def counts(self, report: Report) -> bool:
        if self.symptom in report.symptoms:
            return True
        reading, criterion = report.temperature_c, self.temperature_c
        return criterion is not None and reading is not None and criterion.holds(reading)


@dataclass(frozen=True)
class BetterThenWorse:
    """Fever, then a normal reading, then fever again today, within a window of days."""

    within_days: int
    temperature_c: Range


@dataclass(frozen=True)
class Condition:
    symptoms_any: frozenset[str] = frozenset()
    any_symptom: bool | None = None
    ranges: Mapping[str, Range] = field(default_factory=dict)  # report/subject value -> range
    lasting: Lasting | None = None
    better_then_worse: BetterThenWorse | None = None
    priority_group: bool | None = None
    test_result_in: frozenset[str] = frozenset()
    isolated: bool | None = None
    any_of: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    applies_to: frozenset[str]
    level: Level
    sources: tuple[str, ...]
    when: Condition
    user: Text
    staff: Text
    fever_clinic: bool = False
    delivery_hospital: bool = False
    note: str = ""


@dataclass(frozen=True)
class Symptom:
    code: str
    applies_to: frozenset[str]
    label: Text


@dataclass(frozen=True)
class RiskColour:
    code: str
    rank: int
    name: Text
    meaning: Text


@dataclass(frozen=True)
class Rules:
    version: str
    last_reviewed: date
    fever_run_max_gap_days: int
    sources: Mapping[str, Mapping[str, Any]]
    symptoms: Mapping[str, Symptom]
    rules: tuple[Rule, ...]
    levels: Mapping[Level, Mapping[str, Text]]
    colours: Mapping[str, RiskColour]
    priority_colours: frozenset[str]
    priority_gestation_days: int

    def checklist(self, kind: str) -> tuple[Symptom, ...]:
        """The symptom buttons offered for a mother or a child, in file order."""
        return tuple(s for s in self.symptoms.values() if kind in s.applies_to)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)  # a reason stored under an older rules version

    def reason_text(
        self, rule_id: str, audience: str, locale: str, *, emergency_number: str
    ) -> str:
        """What a reason means, for the "user" or the "staff", in plain text."""
        rule = self.rule(rule_id)
        text = rule.user if audience == "user" else rule.staff
        return text.get(locale).format(emergency_number=emergency_number)

    def level_text(self, level: Level, audience: str, locale: str, *, emergency_number: str) -> str:
        return self.levels[level][audience].get(locale).format(emergency_number=emergency_number)


# ----- the assessment -------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """Everything a condition may look at, computed once per assessment."""

    report: Report
    history: tuple[Report, ...]  # dated, not after today, newest first
    today: date
    values: Mapping[str, float | None]
    priority_group: bool
    max_gap_days: int


def assess(
    subject: Subject, report: Report, history: Iterable[Report], rules: Rules, today: date
) -> Assessment:
    """Check every rule for the subject's kind; the most severe matching level wins."""
    gestation = _gestation_days(subject, today)
    birth = subject.birth_date if subject.kind == "child" else None
    priority = subject.kind == "pregnancy" and (
        bool(subject.risk_colours & rules.priority_colours)
        or (gestation is not None and gestation >= rules.priority_gestation_days)
    )
    dated = [h for h in history if h.reported_on is not None and h.reported_on <= today]
    facts = _Facts(
        report=report,
        history=tuple(sorted(dated, key=lambda h: h.reported_on, reverse=True)),
        today=today,
        values={
            "temperature_c": report.temperature_c,
            "spo2": report.spo2,
            "breathing_rate": report.breathing_rate,
            "hours_since_urine": report.hours_since_urine,
            "phq2_total": report.phq2_total,
            "gestation": gestation,
            "age_months": None if birth is None else child_age(birth, today).months,
        },
        priority_group=priority,
        max_gap_days=rules.fever_run_max_gap_days,
    )
    matched = [r for r in rules.rules if subject.kind in r.applies_to and _holds(r.when, facts)]
    matched.sort(key=lambda r: r.level, reverse=True)  # stable: file order within a level
    level = matched[0].level if matched else Level.ROUTINE
    return Assessment(
        level=level,
        reasons=tuple(r.id for r in matched),
        priority_group=priority,
        alert_staff=level >= Level.PRIORITY_FOLLOW_UP,
        fever_clinic=any(r.fever_clinic for r in matched),
        delivery_hospital=any(r.delivery_hospital for r in matched),
        rules_version=rules.version,
    )


def _gestation_days(subject: Subject, today: date) -> int | None:
    if subject.kind != "pregnancy":
        return None
    if subject.due_date is not None:
        return gestational_age(subject.due_date, today).total_days
    return subject.gestational_age.total_days if subject.gestational_age else None


def _holds(when: Condition, f: _Facts) -> bool:
    report = f.report
    return (
        (not when.symptoms_any or bool(when.symptoms_any & report.symptoms))
        and (when.any_symptom is None or bool(report.symptoms) == when.any_symptom)
        and all(rng.holds(f.values[name]) for name, rng in when.ranges.items())
        and (when.lasting is None or when.lasting.days.holds(_days_lasting(when.lasting, f)))
        and (when.better_then_worse is None or _better_then_worse(when.better_then_worse, f))
        and (when.priority_group is None or f.priority_group == when.priority_group)
        and (not when.test_result_in or report.test_result in when.test_result_in)
        and (when.isolated is None or (report.isolation not in (None, "", "none")) == when.isolated)
        and (not when.any_of or any(_holds(c, f) for c in when.any_of))
    )


def _episode_start(report: Report, on: date, symptom: str) -> date:
    days = report.days_of(symptom)
    return on - timedelta(days=days - 1) if days and days > 0 else on


def _days_lasting(lasting: Lasting, f: _Facts) -> int:
    """Days (inclusive) since the start of an unbroken run of reports showing the symptom.

    0 when today's report does not show it: a fever that has stopped is not lasting.
    """
    if not lasting.counts(f.report):
        return 0
    start = _episode_start(f.report, f.today, lasting.symptom)
    newest = f.today
    for past in f.history:
        if (newest - past.reported_on).days > f.max_gap_days or not lasting.counts(past):
            break
        start = min(start, _episode_start(past, past.reported_on, lasting.symptom))
        newest = past.reported_on
    return (f.today - start).days + 1


def _better_then_worse(btw: BetterThenWorse, f: _Facts) -> bool:
    def fever(r: Report) -> bool:
        reading = r.temperature_c
        return "fever" in r.symptoms or (reading is not None and btw.temperature_c.holds(reading))

    def normal(r: Report) -> bool:
        reading = r.temperature_c
        return "fever" not in r.symptoms and reading is not None and not fever(r)

    if not fever(f.report):
        return False
    had_fever = False
    for past in reversed(f.history):  # oldest first
        if (f.today - past.reported_on).days > btw.within_days:
            continue
        if fever(past):
            had_fever = True
        elif had_fever and normal(past):
            return True
    return False


# ----- loading --------------------------------------------------------------------------

_RANGE_KEYS = (
    "temperature_c",
    "spo2",
    "breathing_rate",
    "hours_since_urine",
    "phq2_total",
    "age_months",
)
_CONDITION_KEYS = {
    *_RANGE_KEYS,
    "gestation",
    "symptoms_any",
    "any_symptom",
    "lasting",
    "better_then_worse",
    "priority_group",
    "test_result_in",
    "isolated",
    "any_of",
}
_RULE_KEYS = {"id", "applies_to", "level", "sources", "when", "user", "staff", "note"}
_RULE_KEYS |= {"fever_clinic", "delivery_hospital"}
_GESTATION = re.compile(r"^(\d{1,2})\+([0-6])$")
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def gestation_days(text: str) -> int:
    """'37+0' -> 259: gestations in the rules are written the way clinicians write them."""
    match = _GESTATION.match(str(text))
    if match is None:
        raise RulesError(f"gestation must look like '37+0', not {text!r}")
    return GestationalAge(int(match[1]), int(match[2])).total_days


def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, dict) or any(not str(raw.get(loc, "")).strip() for loc in LOCALES):
        raise RulesError(f"{where}: needs a text in each of {LOCALES}")
    for locale in LOCALES:
        text = str(raw[locale])
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            fields = {"unbalanced braces"}
        if fields - {"emergency_number"} or set(text) & set("<>&"):
            raise RulesError(f"{where}.{locale}: only {{emergency_number}}, and no < > &")
    return Text(zh_Hans=raw["zh_Hans"], en=raw["en"])


def _range(raw: Any, where: str, convert: Any = float) -> Range:
    if not isinstance(raw, dict) or not set(raw) <= {"lt", "le", "gt", "ge", "if_unknown"}:
        raise RulesError(f"{where}: a comparison is a table of lt/le/gt/ge (+ if_unknown)")
    bounds = {k: convert(v) for k, v in raw.items() if k != "if_unknown"}
    if not bounds:
        raise RulesError(f"{where}: a comparison needs at least one bound")
    return Range(**bounds, if_unknown=bool(raw.get("if_unknown", False)))


def _table(raw: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    """A sub-table with known keys only: a typo must fail loudly, not silently never match."""
    if not isinstance(raw, dict) or not required <= set(raw) <= required | optional:
        raise RulesError(f"{where}: needs keys {sorted(required)}, may have {sorted(optional)}")
    return raw


def _condition(raw: Any, where: str, symptoms: Mapping[str, Symptom]) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise RulesError(f"{where}: `when` must be a non-empty table")
    unknown = set(raw) - _CONDITION_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown condition keys {sorted(unknown)}")

    def symptom(code: str) -> str:
        if code not in symptoms:
            raise RulesError(f"{where}: unknown symptom {code!r}")
        return code

    ranges = {k: _range(raw[k], f"{where}.{k}") for k in _RANGE_KEYS if k in raw}
    if "gestation" in raw:
        ranges["gestation"] = _range(raw["gestation"], f"{where}.gestation", gestation_days)
    lasting = btw = None
    if "lasting" in raw:
        spec = _table(raw["lasting"], f"{where}.lasting", {"symptom", "days"}, {"temperature_c"})
        temp = spec.get("temperature_c")
        lasting = Lasting(
            symptom=symptom(spec["symptom"]),
            days=_range(spec["days"], f"{where}.lasting.days"),
            temperature_c=_range(temp, f"{where}.lasting.temperature_c") if temp else None,
        )
    if "better_then_worse" in raw:
        spec = _table(
            raw["better_then_worse"], f"{where}.btw", {"within_days", "temperature_c"}, set()
        )
        btw = BetterThenWorse(
            within_days=int(spec["within_days"]),
            temperature_c=_range(spec["temperature_c"], f"{where}.better_then_worse"),
        )
    return Condition(
        symptoms_any=frozenset(symptom(s) for s in raw.get("symptoms_any", ())),
        any_symptom=raw.get("any_symptom"),
        ranges=MappingProxyType(ranges),
        lasting=lasting,
        better_then_worse=btw,
        priority_group=raw.get("priority_group"),
        test_result_in=frozenset(raw.get("test_result_in", ())),
        isolated=raw.get("isolated"),
        any_of=tuple(
            _condition(sub, f"{where}.any_of[{i}]", symptoms)
            for i, sub in enumerate(raw.get("any_of", ()))
        ),
    )


def _kinds(raw: Any, where: str) -> frozenset[str]:
    kinds = frozenset(raw or ())
    if not kinds or not kinds <= set(KINDS):
        raise RulesError(f"{where}: applies_to must name some of {KINDS}")
    return kinds


def _symptoms(raw: Mapping[str, Any]) -> dict[str, Symptom]:
    symptoms = {}
    for code, spec in raw.items():
        where = f"symptoms.{code}"
        if not _ID.match(code) or "." in code or len(code) > 32:
            raise RulesError(f"{where}: ids are short snake_case (they go into callback data)")
        label = _text(spec.get("label"), f"{where}.label")
        for locale, limit in LABEL_LIMITS.items():
            if len(getattr(label, locale)) > limit:
                raise RulesError(f"{where}: {locale} label longer than {limit} characters")
        symptoms[code] = Symptom(code, _kinds(spec.get("applies_to"), where), label)
    return symptoms


def _rule(
    raw: Mapping[str, Any], sources: Mapping[str, Any], symptoms: Mapping[str, Symptom]
) -> Rule:
    rule_id = str(raw.get("id", ""))
    where = f"rules[{rule_id or '?'}]"
    if not _ID.match(rule_id):
        raise RulesError(f"{where}: needs an id like 'pregnancy.bleeding'")
    if set(raw) - _RULE_KEYS:
        raise RulesError(f"{where}: unknown keys {sorted(set(raw) - _RULE_KEYS)}")
    cited = tuple(raw.get("sources", ()))
    if not cited:
        raise RulesError(f"{where}: every rule needs at least one source")
    missing = [s for s in cited if s not in sources]
    if missing:
        raise RulesError(f"{where}: unknown sources {missing}")
    try:
        level = Level[str(raw.get("level", "")).upper()]
    except KeyError:
        raise RulesError(f"{where}: level must be one of {[lv.code for lv in Level]}") from None
    return Rule(
        id=rule_id,
        applies_to=_kinds(raw.get("applies_to"), where),
        level=level,
        sources=cited,
        when=_condition(raw.get("when"), f"{where}.when", symptoms),
        user=_text(raw.get("user"), f"{where}.user"),
        staff=_text(raw.get("staff"), f"{where}.staff"),
        fever_clinic=bool(raw.get("fever_clinic", False)),
        delivery_hospital=bool(raw.get("delivery_hospital", False)),
        note=str(raw.get("note", "")),
    )


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _check_sources(sources: Mapping[str, Any], cited: Iterable[str], where: str) -> None:
    if any(not isinstance(s, dict) or not s.get("title") for s in sources.values()):
        raise RulesError(f"{where}: every source needs a title")
    cited = list(cited)
    if not cited or any(c not in sources for c in cited):
        raise RulesError(f"{where}: needs sources, each defined under [sources]")


def load_rules(path: Path | str | None = None, colours_path: Path | str | None = None) -> Rules:
    """Read and validate the triage rules, plus risk_colours.toml from the same folder.

    Raises RulesError rather than running with a rule that cannot be traced to a source
    or a symptom button without a label in every locale.
    """
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    if colours_path is None:
        colours_path = path.parent / "risk_colours.toml"
    colours_path = Path(colours_path)
    data, colour_data = _read(path), _read(colours_path)

    meta = data.get("meta", {})
    if not meta.get("version") or not isinstance(meta.get("last_reviewed"), date):
        raise RulesError("[meta] needs version and last_reviewed (a date)")
    sources = data.get("sources", {})
    _check_sources(sources, sources, "rules [sources]")
    symptoms = _symptoms(data.get("symptoms", {}))
    rules = tuple(_rule(r, sources, symptoms) for r in data.get("rules", ()))
    ids = [r.id for r in rules]
    if not rules or len(ids) != len(set(ids)):
        raise RulesError("rules must be present and have unique ids")
    levels = {}
    for level in Level:
        spec = data.get("levels", {}).get(level.code, {})
        levels[level] = MappingProxyType(
            {a: _text(spec.get(a), f"levels.{level.code}.{a}") for a in AUDIENCES}
        )

    colour_meta = colour_data.get("meta", {})
    colour_sources = colour_data.get("sources", {})
    _check_sources(colour_sources, colour_meta.get("sources", ()), "risk colours [meta]")
    colours = {
        code: RiskColour(
            code,
            int(spec["rank"]),
            _text(spec.get("name"), f"colours.{code}.name"),
            _text(spec.get("meaning"), f"colours.{code}.meaning"),
        )
        for code, spec in colour_data.get("colours", {}).items()
    }
    priority = colour_data.get("priority", {})
    _check_sources(colour_sources, priority.get("sources", ()), "risk colours [priority]")
    priority_colours = frozenset(priority.get("colours", ()))
    if not colours or not priority_colours <= set(colours):
        raise RulesError("priority colours must be among the configured colours")

    return Rules(
        version=str(meta["version"]),
        last_reviewed=meta["last_reviewed"],
        fever_run_max_gap_days=int(data.get("settings", {}).get("fever_run_max_gap_days", 1)),
        sources=MappingProxyType(sources),
        symptoms=MappingProxyType(symptoms),
        rules=rules,
        levels=MappingProxyType(levels),
        colours=MappingProxyType(colours),
        priority_colours=priority_colours,
        priority_gestation_days=gestation_days(priority.get("gestation_at_least", "")),
    )
