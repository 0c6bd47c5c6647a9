"""Reading content/triage/rules.toml (and risk_colours.toml) into checked `Rules`.

A rule that cannot be traced to a source, a symptom without a label in every locale, or a
typo in a condition key stops the bot at start rather than silently never matching.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.gestation import GestationalAge
from bot.domain.triage_model import (
    AUDIENCES,
    KINDS,
    LABEL_LIMITS,
    LOCALES,
    BetterThenWorse,
    Condition,
    Lasting,
    Level,
    Range,
    RiskColour,
    Rule,
    Rules,
    RulesError,
    Symptom,
    Text,
)

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "content" / "triage" / "rules.toml"

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
    "unknown",
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
        unknown=frozenset(_unknown(raw.get("unknown", ()), where)),
        any_of=tuple(
            _condition(sub, f"{where}.any_of[{i}]", symptoms)
            for i, sub in enumerate(raw.get("any_of", ()))
        ),
    )


def _unknown(raw: Any, where: str) -> list[str]:
    names = list(raw)
    if any(n not in _RANGE_KEYS for n in names):
        raise RulesError(f"{where}: `unknown` names readings among {list(_RANGE_KEYS)}")
    return names


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
