"""Turn what people type into numbers the triage rules can compare.

Mothers and parents type readings the way their thermometer or phone keyboard
gives them: "38,5", "38.5度", full-width "３８．５", "101.3F". A reading we
cannot read, or one no living person could have, must never reach triage as a
number: it becomes a `MeasurementError` whose stable `code` lets the chat show,
in the user's language, what is allowed (texts in content/triage/measurement_errors.toml).

The plausibility ranges here are input checks, not clinical thresholds; the
thresholds live in content/triage/rules.toml.
"""

from __future__ import annotations

import re
import unicodedata

from bot.domain.validation_text import InputError

TEMPERATURE_RANGE_C = (34.0, 43.0)
# BRIEF section 4: a bare reading above 50 can only be Fahrenheit.
FAHRENHEIT_ABOVE = 50.0
SPO2_RANGE = (70.0, 100.0)
BREATHING_RATE_RANGE = (5.0, 120.0)

TEMPERATURE_INVALID = "temperature_invalid"
TEMPERATURE_OUT_OF_RANGE = "temperature_out_of_range"
SPO2_INVALID = "spo2_invalid"
SPO2_OUT_OF_RANGE = "spo2_out_of_range"
BREATHING_RATE_INVALID = "breathing_rate_invalid"
BREATHING_RATE_OUT_OF_RANGE = "breathing_rate_out_of_range"

ERROR_CODES = (
    TEMPERATURE_INVALID,
    TEMPERATURE_OUT_OF_RANGE,
    SPO2_INVALID,
    SPO2_OUT_OF_RANGE,
    BREATHING_RATE_INVALID,
    BREATHING_RATE_OUT_OF_RANGE,
)


class MeasurementError(InputError):
    """A reading we refuse; `allowed_range` is in the unit we store (°C, %, per minute).

    The params `low` and `high` (and `value` when a number was read) fill the
    explanation in content/triage/measurement_errors.toml via `validation_text.explain`.
    """

    def __init__(
        self, code: str, allowed_range: tuple[float, float], value: float | None = None
    ) -> None:
        low, high = allowed_range
        super().__init__(code, low=low, high=high, value=value)
        self.allowed_range = allowed_range
        self.value = value


_NUMBER = r"(?P<num>\d+(?:[.,]\d+)?)"
_TEMPERATURE = re.compile(
    r"^(?:体温|temp(?:erature)?)?\s*[:=]?\s*"
    r"(?P<pre>华氏|摄氏)?\s*" + _NUMBER + r"\s*"
    r"(?P<unit>°\s*[cf]|[cf]|摄氏度|华氏度|摄氏|华氏|度|°|deg(?:rees?)?(?:\s*[cf])?)?$"
)
_SPO2 = re.compile(r"^(?:spo2|血氧(?:饱和度)?)?\s*[:=]?\s*" + _NUMBER + r"\s*%?$")
_BREATHING = re.compile(
    r"^(?P<num>\d+)\s*(?:次)?\s*"
    r"(?:(?:/|每|per)\s*(?:分钟|分|min(?:ute)?)|bpm|breaths?\s*/\s*min(?:ute)?)?$"
)


def _normalise(text: str) -> str:
    """Fold full-width digits and signs (NFKC turns ℃ into °C) and the Chinese full stop."""
    folded = unicodedata.normalize("NFKC", text or "")
    return folded.replace("。", ".").strip().lower()


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _check(value: float, allowed: tuple[float, float], code: str) -> float:
    low, high = allowed
    if not low <= value <= high:
        raise MeasurementError(code, allowed, value)
    return value


def parse_temperature(text: str) -> float:
    """Degrees Celsius from a typed reading.

    Fahrenheit is recognised by its unit (F, °F, ℉, 华氏) or, for a bare
    number or "度", by being above 50. An explicit Celsius unit is believed,
    so "101℃" is refused rather than silently converted. Converted readings
    are rounded to 0.1 °C so that 100.4 °F lands exactly on 38.0 °C.
    """
    match = _TEMPERATURE.match(_normalise(text))
    if match is None:
        raise MeasurementError(TEMPERATURE_INVALID, TEMPERATURE_RANGE_C)
    value = _number(match["num"])
    unit = (match["pre"] or "") + (match["unit"] or "")
    if "华氏" in unit or "f" in unit:
        fahrenheit = True
    elif "摄氏" in unit or "c" in unit:
        fahrenheit = False
    else:
        fahrenheit = value > FAHRENHEIT_ABOVE
    if fahrenheit:
        value = round((value - 32.0) * 5.0 / 9.0, 1)
    return _check(value, TEMPERATURE_RANGE_C, TEMPERATURE_OUT_OF_RANGE)


def parse_spo2(text: str) -> float:
    """Oxygen saturation in percent, as a pulse oximeter shows it ("95" or "95%")."""
    match = _SPO2.match(_normalise(text))
    if match is None:
        raise MeasurementError(SPO2_INVALID, SPO2_RANGE)
    return _check(_number(match["num"]), SPO2_RANGE, SPO2_OUT_OF_RANGE)


def parse_breathing_rate(text: str) -> int:
    """Breaths per minute; a whole count, since it is counted over a minute."""
    match = _BREATHING.match(_normalise(text))
    if match is None:
        raise MeasurementError(BREATHING_RATE_INVALID, BREATHING_RATE_RANGE)
    value = int(match["num"])
    _check(float(value), BREATHING_RATE_RANGE, BREATHING_RATE_OUT_OF_RANGE)
    return value
