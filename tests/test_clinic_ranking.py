"""Which places a parent or a pregnant woman is shown, nearest and open first."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clinics_import import CONTENT_DIR, parse_clinic_file
from bot.domain.clinics import (
    Place,
    PlaceType,
    districts,
    places_in_district,
    rank_places,
)
from bot.domain.geo import EARTH_RADIUS_M, haversine_m, nearest
from bot.domain.opening_hours import parse_opening_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOME = (31.23, 121.47)
SATURDAY_10 = datetime(2024, 6, 8, 10, 0, tzinfo=SHANGHAI)
MONDAY_08 = datetime(2024, 6, 10, 8, 0, tzinfo=SHANGHAI)
WEEKDAYS = "Mo-Fr 08:00-17:30"

# Hand-computed haversine distances from HOME (R = 6 371 008.8 m):
# along a meridian the distance is R * Δφ in radians; along a parallel it is
# 2R * asin(cos φ * sin(Δλ / 2)).
NORTH_001 = 6_371_008.8 * math.pi / 180 * 0.01  # 0.01° north: 1111.95 m
SOUTH_002 = 6_371_008.8 * math.pi / 180 * 0.02  # 0.02° south: 2223.90 m
EAST_001 = 950.82  # 2R asin(cos 31.23° sin 0.005°)
NORTH_EAST_001 = 1463.01  # 0.01° north and 0.01° east, haversine worked through


def place(
    id: str,
    lat: float,
    lon: float,
    type: PlaceType = PlaceType.FEVER_CLINIC,
    hours: str = "24h",
    district: str = "明湖区",
    name: str | None = None,
) -> Place:
    return Place(
        id=id,
        name=name or id,
        type=type,
        district=district,
        address="1 Example Road",
        phone="021-0000-0000",
        lat=lat,
        lon=lon,
        hours=parse_opening_hours(hours),
    )


def ids(ranked) -> list[str]:
    return [item.place.id for item in ranked]


# --- distances -------------------------------------------------------------------------------


def test_earth_radius_is_the_mean_radius_the_hand_figures_use():
    assert EARTH_RADIUS_M == 6_371_008.8
    assert NORTH_001 == pytest.approx(1111.95, abs=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (31.24, 121.47, NORTH_001),
        (31.21, 121.47, SOUTH_002),
        (31.23, 121.48, EAST_001),
        (31.24, 121.48, NORTH_EAST_001),
        (31.23, 121.47, 0.0),
    ],
)
def test_haversine_matches_hand_computed_distances(lat, lon, expected):
    assert haversine_m(*HOME, lat, lon) == pytest.approx(expected, abs=1.0)
    assert haversine_m(lat, lon, *HOME) == pytest.approx(expected, abs=1.0)


def test_haversine_over_long_distances():
    # A quarter of a meridian, equator to pole.
    assert haversine_m(0, 0, 90, 0) == pytest.approx(EARTH_RADIUS_M * math.pi / 2, abs=1.0)
    # Antipodes: half the circumference, without a math domain error.
    assert haversine_m(0, 0, 0, 180) == pytest.approx(EARTH_RADIUS_M * math.pi, abs=1.0)


def test_nearest_works_on_anything_with_a_position():
    points = [("far", 31.21, 121.47), ("near", 31.24, 121.47), ("here", 31.23, 121.47)]
    found = nearest(points, *HOME, 2, position=lambda p: (p[1], p[2]))
    assert [(p[0], round(d, 2)) for p, d in found] == [("here", 0.0), ("near", 1111.95)]
    assert nearest(points, *HOME, 0, position=lambda p: (p[1], p[2])) == []


def test_nearest_reads_lat_lon_attributes_and_keeps_input_order_on_ties():
    a, b = place("a", 31.24, 121.47), place("b", 31.24, 121.47)  # the same building
    assert [p.id for p, _ in nearest([a, b], *HOME, 5)] == ["a", "b"]
    assert [p.id for p, _ in nearest([b, a], *HOME, 5)] == ["b", "a"]


# --- ranking by location ---------------------------------------------------------------------


def test_three_nearest_open_places_in_order_with_their_distances():
    places = [
        place("south", 31.21, 121.47),
        place("north", 31.24, 121.47),
        place("east", 31.23, 121.48),
        place("north-east", 31.24, 121.48),
    ]
    ranked = rank_places(places, *HOME, SATURDAY_10)
    assert ids(ranked) == ["east", "north", "north-east"]
    assert [item.distance_m for item in ranked] == [
        pytest.approx(EAST_001, abs=1.0),
        pytest.approx(NORTH_001, abs=1.0),
        pytest.approx(NORTH_EAST_001, abs=1.0),
    ]
    assert all(item.open_now and item.opens_at is None for item in ranked)


def test_open_places_come_before_a_nearer_closed_one():
    places = [
        place("closed-next-door", 31.2301, 121.47, hours=WEEKDAYS),
        place("open-far", 31.21, 121.47),
        place("open-near", 31.24, 121.47),
        place("open-mid", 31.24, 121.48),
    ]
    ranked = rank_places(places, *HOME, SATURDAY_10)
    assert ids(ranked) == ["open-near", "open-mid", "open-far"]


def test_when_too_few_are_open_the_nearest_closed_ones_fill_the_list_with_their_opening_time():
    places = [
        place("open-far", 31.21, 121.47),
        place("closed-near", 31.24, 121.47, hours=WEEKDAYS),
        place("closed-nearer", 31.23, 121.48, hours="Mo-Su 18:00-02:00"),
        place("closed-farthest", 31.15, 121.47, hours=WEEKDAYS),
    ]
    ranked = rank_places(places, *HOME, SATURDAY_10)
    assert ids(ranked) == ["open-far", "closed-nearer", "closed-near"]
    assert [item.open_now for item in ranked] == [True, False, False]
    assert ranked[0].opens_at is None
    assert ranked[1].opens_at == datetime(2024, 6, 8, 18, 0, tzinfo=SHANGHAI)
    assert ranked[2].opens_at == MONDAY_08


def test_open_places_say_when_they_close_unless_open_round_the_clock():
    places = [
        place("round-the-clock", 31.24, 121.47),
        place("weekday", 31.23, 121.48, hours=WEEKDAYS),
    ]
    ranked = rank_places(places, *HOME, MONDAY_08)
    assert ids(ranked) == ["weekday", "round-the-clock"]
    assert ranked[0].closes_at == MONDAY_08.replace(hour=17, minute=30)
    assert ranked[1].closes_at is None


def test_pregnant_womans_emergency_lists_emergency_midwifery_first():
    places = [
        place("fever-near", 31.23, 121.48),
        place("fever-mid", 31.24, 121.47),
        place("midwifery-far", 31.21, 121.47, type=PlaceType.EMERGENCY_MIDWIFERY),
        place("maternity-farther", 31.20, 121.47, type=PlaceType.MATERNITY_HOSPITAL),
    ]
    ranked = rank_places(places, *HOME, SATURDAY_10, prefer_types={PlaceType.EMERGENCY_MIDWIFERY})
    assert ids(ranked) == ["midwifery-far", "fever-near", "fever-mid"]
    # preference is given as plain strings by callers reading configuration
    assert ids(rank_places(places, *HOME, SATURDAY_10, prefer_types=["emergency_midwifery"])) == [
        "midwifery-far",
        "fever-near",
        "fever-mid",
    ]


def test_an_open_place_still_beats_a_closed_preferred_one():
    places = [
        place("fever", 31.24, 121.47),
        place(
            "midwifery-closed", 31.23, 121.48, type=PlaceType.EMERGENCY_MIDWIFERY, hours=WEEKDAYS
        ),
    ]
    ranked = rank_places(places, *HOME, SATURDAY_10, prefer_types={"emergency_midwifery"})
    assert ids(ranked) == ["fever", "midwifery-closed"]


def test_types_restrict_the_candidates():
    places = [
        place("adult", 31.23, 121.48),
        place("children", 31.24, 121.47, type=PlaceType.PAEDIATRIC_FEVER_CLINIC),
        place("maternity", 31.23, 121.47, type=PlaceType.MATERNITY_HOSPITAL),
    ]
    child_fever = {PlaceType.FEVER_CLINIC, PlaceType.PAEDIATRIC_FEVER_CLINIC}
    ranked = rank_places(
        places,
        *HOME,
        SATURDAY_10,
        types=child_fever,
        prefer_types={PlaceType.PAEDIATRIC_FEVER_CLINIC},
    )
    assert ids(ranked) == ["children", "adult"]


def test_n_limits_the_list_and_equal_distances_are_ordered_by_id():
    places = [place("b", 31.24, 121.47), place("a", 31.24, 121.47), place("c", 31.25, 121.47)]
    assert ids(rank_places(places, *HOME, SATURDAY_10, n=2)) == ["a", "b"]
    assert rank_places(places, *HOME, SATURDAY_10, n=0) == []
    assert rank_places([], *HOME, SATURDAY_10) == []


def test_ranking_uses_the_configured_zone():
    weekday = [place("weekday", 31.24, 121.47, hours=WEEKDAYS)]
    # Monday 08:30 in Shanghai is Monday 01:30 in London.
    moment = datetime(2024, 6, 10, 8, 30, tzinfo=SHANGHAI)
    assert rank_places(weekday, *HOME, moment)[0].open_now
    london = rank_places(weekday, *HOME, moment, tz=ZoneInfo("Europe/London"))[0]
    assert not london.open_now
    assert london.opens_at == datetime(2024, 6, 10, 8, 0, tzinfo=ZoneInfo("Europe/London"))


# --- by district -----------------------------------------------------------------------------


def test_district_path_lists_open_places_first_then_by_name():
    places = [
        place("1", 31.0, 121.0, name="Beta", district="Minghu"),
        place("2", 31.0, 121.0, name="Alpha", district="Minghu", hours=WEEKDAYS),
        place("3", 31.0, 121.0, name="Gamma", district="Minghu"),
        place("4", 31.0, 121.0, name="Aardvark", district="Yunling"),
    ]
    ranked = places_in_district(places, " minghu ", SATURDAY_10)
    assert [item.place.name for item in ranked] == ["Beta", "Gamma", "Alpha"]
    assert [item.open_now for item in ranked] == [True, True, False]
    assert all(item.distance_m is None for item in ranked)
    assert ranked[2].opens_at == MONDAY_08
    assert len(places_in_district(places, "Minghu", SATURDAY_10, n=2)) == 2
    assert places_in_district(places, "Nowhere", SATURDAY_10) == []
    assert districts(places) == ["Minghu", "Yunling"]


# --- the shipped sample, as a parent would meet it ---------------------------------------------


@pytest.fixture(scope="module")
def sample_places() -> list[Place]:
    return parse_clinic_file(CONTENT_DIR / "sample.csv").accepted


def test_sunday_morning_in_minghu_the_closed_community_clinic_next_door_is_not_suggested(
    sample_places,
):
    community = next(p for p in sample_places if p.id == "mh-fc-02")
    sunday_10 = datetime(2024, 6, 9, 10, 0, tzinfo=SHANGHAI)
    child_fever = {"fever_clinic", "paediatric_fever_clinic"}
    ranked = rank_places(
        sample_places,
        community.lat,
        community.lon,
        sunday_10,
        types=child_fever,
        prefer_types={"paediatric_fever_clinic"},
    )
    assert ids(ranked) == ["mh-pfc-01", "st-pfc-01", "mh-fc-01"]
    assert all(item.open_now for item in ranked)
    assert ranked[0].distance_m == pytest.approx(
        haversine_m(community.lat, community.lon, 31.2291, 121.4816), abs=0.01
    )


def test_after_midnight_the_night_paediatric_clinic_is_open_until_two(sample_places):
    monday_0130 = datetime(2024, 6, 10, 1, 30, tzinfo=SHANGHAI)
    ranked = rank_places(
        sample_places, 31.2643, 121.4647, monday_0130, n=1, types={"paediatric_fever_clinic"}
    )
    assert ids(ranked) == ["yl-pfc-01"]
    assert ranked[0].closes_at == monday_0130 + timedelta(minutes=30)


def test_sample_districts(sample_places):
    assert districts(sample_places) == sorted({"明湖区", "云岭区", "松涛区"})
