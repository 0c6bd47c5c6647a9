"""What people type for a temperature, an oxygen level or a breathing rate."""

from pathlib import Path

import pytest

from bot.domain.measurements import (
    BREATHING_RATE_INVALID,
    BREATHING_RATE_OUT_OF_RANGE,
    ERROR_CODES,
    SPO2_INVALID,
    SPO2_OUT_OF_RANGE,
    TEMPERATURE_INVALID,
    TEMPERATURE_OUT_OF_RANGE,
    MeasurementError,
    parse_breathing_rate,
    parse_spo2,
    parse_temperature,
)
from bot.domain.validation_text import explain, load_validation_texts

ERRORS_TOML = Path(__file__).resolve().parents[1] / "content" / "triage" / "measurement_errors.toml"


@pytest.mark.parametrize(
    ("typed", "celsius"),
    [
        ("38.5", 38.5),
        ("38,5", 38.5),
        (" 38.5 ", 38.5),
        ("38.5度", 38.5),
        ("38.5°C", 38.5),
        ("38.5 °c", 38.5),
        ("38.5℃", 38.5),
        ("38.5C", 38.5),
        ("摄氏38.5", 38.5),
        ("体温38.5", 38.5),
        ("体温：38.5℃", 38.5),
        ("３８．５", 38.5),
        ("３８．５℃", 38.5),
        ("３８，５", 38.5),
        ("38。5", 38.5),
        ("37", 37.0),
        ("101.3F", 38.5),
        ("101.3 f", 38.5),
        ("101.3°F", 38.5),
        ("101.3℉", 38.5),
        ("101.3 华氏", 38.5),
        ("101.3华氏度", 38.5),
        ("华氏101.3", 38.5),
        ("１０１．３", 38.5),
        ("101.3", 38.5),  # bare and above 50: Fahrenheit
        ("101.3度", 38.5),  # 度 names no scale, so the same rule applies
        ("100.4", 38.0),
        ("98.6", 37.0),
        ("34", 34.0),  # lowest allowed
        ("43", 43.0),  # highest allowed
        ("93.2F", 34.0),
        ("109.4", 43.0),
    ],
)
def test_temperature_is_read_in_celsius(typed: str, celsius: float) -> None:
    assert parse_temperature(typed) == pytest.approx(celsius)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", TEMPERATURE_INVALID),
        ("hot", TEMPERATURE_INVALID),
        ("发烧了", TEMPERATURE_INVALID),
        ("38.5.1", TEMPERATURE_INVALID),
        ("-5", TEMPERATURE_INVALID),
        ("38 39", TEMPERATURE_INVALID),
        ("38.5K", TEMPERATURE_INVALID),
        ("33.9", TEMPERATURE_OUT_OF_RANGE),
        ("43.1", TEMPERATURE_OUT_OF_RANGE),
        ("45", TEMPERATURE_OUT_OF_RANGE),  # too hot for Celsius, too cold for Fahrenheit
        ("50", TEMPERATURE_OUT_OF_RANGE),  # Fahrenheit only *above* 50
        ("101℃", TEMPERATURE_OUT_OF_RANGE),  # an explicit Celsius unit is believed
        ("101°C", TEMPERATURE_OUT_OF_RANGE),
        ("38F", TEMPERATURE_OUT_OF_RANGE),  # 3.3 °C
        ("500", TEMPERATURE_OUT_OF_RANGE),
    ],
)
def test_nonsense_temperatures_are_refused_with_a_stable_code(typed: str, code: str) -> None:
    with pytest.raises(MeasurementError) as caught:
        parse_temperature(typed)
    assert caught.value.code == code
    assert caught.value.allowed_range == (34.0, 43.0)


def test_an_out_of_range_error_carries_the_converted_value() -> None:
    with pytest.raises(MeasurementError) as caught:
        parse_temperature("38F")
    assert caught.value.value == pytest.approx(3.3)


@pytest.mark.parametrize(
    ("typed", "percent"),
    [
        ("95", 95.0),
        ("95%", 95.0),
        ("95 %", 95.0),
        ("９５％", 95.0),
        ("96.5", 96.5),
        ("SpO2 95", 95.0),
        ("spo2: 93%", 93.0),
        ("血氧95", 95.0),
        ("血氧饱和度 94%", 94.0),
        ("70", 70.0),
        ("100", 100.0),
    ],
)
def test_spo2_is_read_as_a_percentage(typed: str, percent: float) -> None:
    assert parse_spo2(typed) == pytest.approx(percent)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", SPO2_INVALID),
        ("good", SPO2_INVALID),
        ("95%%", SPO2_INVALID),
        ("-95", SPO2_INVALID),
        ("69", SPO2_OUT_OF_RANGE),
        ("101", SPO2_OUT_OF_RANGE),
        ("0.95", SPO2_OUT_OF_RANGE),
    ],
)
def test_nonsense_spo2_is_refused(typed: str, code: str) -> None:
    with pytest.raises(MeasurementError) as caught:
        parse_spo2(typed)
    assert (caught.value.code, caught.value.allowed_range) == (code, (70.0, 100.0))


@pytest.mark.parametrize(
    ("typed", "per_minute"),
    [
        ("24", 24),
        ("24次", 24),
        ("24次/分", 24),
        ("24 次/分钟", 24),
        ("24次每分钟", 24),
        ("24/min", 24),
        ("24 per minute", 24),
        ("24bpm", 24),
        ("60 breaths/min", 60),
        ("５２", 52),
        ("5", 5),
        ("120", 120),
    ],
)
def test_breathing_rate_is_read_per_minute(typed: str, per_minute: int) -> None:
    assert parse_breathing_rate(typed) == per_minute


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", BREATHING_RATE_INVALID),
        ("fast", BREATHING_RATE_INVALID),
        ("24.5", BREATHING_RATE_INVALID),  # a count over a minute is whole
        ("24/hour", BREATHING_RATE_INVALID),
        ("4", BREATHING_RATE_OUT_OF_RANGE),
        ("0", BREATHING_RATE_OUT_OF_RANGE),
        ("121", BREATHING_RATE_OUT_OF_RANGE),
    ],
)
def test_nonsense_breathing_rates_are_refused(typed: str, code: str) -> None:
    with pytest.raises(MeasurementError) as caught:
        parse_breathing_rate(typed)
    assert (caught.value.code, caught.value.allowed_range) == (code, (5.0, 120.0))


def test_every_error_code_explains_itself_in_both_locales() -> None:
    texts = load_validation_texts(ERRORS_TOML)
    assert set(texts) == set(ERROR_CODES)
    for code in ERROR_CODES:
        for locale in ("zh_Hans", "en"):
            assert explain(code, locale, texts, low=34.0, high=43.0, value=None).strip()


def test_a_refusal_tells_the_user_what_is_allowed() -> None:
    texts = load_validation_texts(ERRORS_TOML)
    with pytest.raises(MeasurementError) as caught:
        parse_temperature("45")
    error = caught.value
    assert "between 34 and 43 °C" in explain(error.code, "en", texts, **error.params)
    assert "34–43" in explain(error.code, "zh_Hans", texts, **error.params)
