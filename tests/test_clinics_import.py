"""An admin imports the published clinic list; every bad row is named by its spreadsheet row."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.clinics_import import (
    CONTENT_DIR,
    ClinicFileError,
    RowError,
    count_rows,
    describe_file_error,
    describe_row_error,
    iter_rows,
    load_import_texts,
    parse_clinic_file,
)
from bot.domain.clinics import PlaceType
from bot.domain.opening_hours import parse_opening_hours

HEADER = "id,name,type,district,address,phone,lat,lon,hours,notes"
GOOD_ROWS = [
    "fc-1,Central Fever Clinic,fever_clinic,Minghu,1 Lake Rd,021-0000-0101,31.2352,121.4751,24h,",
    "pfc-1,Children's Fever Clinic,paediatric_fever_clinic,Minghu,18 Maple St,021-0000-0102,"
    '31.2291,121.4816,"Mo-Fr 08:00-12:00,14:00-17:30; Sa 08:00-12:00",Bring the vaccination book',
    "em-1,Emergency Midwifery,emergency_midwifery,Yunling,56 Pine Rd,,31.2598,121.4583,24h,",
]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def csv_file(tmp_path: Path, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    return write(tmp_path, "clinics.csv", "\n".join([header, *rows]) + "\n", encoding)


def json_file(tmp_path: Path, document: object) -> Path:
    return write(tmp_path, "clinics.json", json.dumps(document, ensure_ascii=False))


def errors_by_row(result) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for error in result.rejected:
        found.setdefault(error.row_number, []).append((error.field, error.reason))
    return found


# --- good files ------------------------------------------------------------------------------


def test_a_good_csv_gives_every_place_with_its_fields(tmp_path):
    result = parse_clinic_file(csv_file(tmp_path, *GOOD_ROWS))
    assert result.rejected == []
    assert result.rows_read == 3
    assert result.published is None
    assert [p.id for p in result.accepted] == ["fc-1", "pfc-1", "em-1"]
    children = result.accepted[1]
    assert children.name == "Children's Fever Clinic"
    assert children.type is PlaceType.PAEDIATRIC_FEVER_CLINIC
    assert (children.district, children.address) == ("Minghu", "18 Maple St")
    assert (children.lat, children.lon) == (31.2291, 121.4816)
    assert children.hours == parse_opening_hours("Mo-Fr 08:00-12:00,14:00-17:30; Sa 08:00-12:00")
    assert children.notes == "Bring the vaccination book"
    assert result.accepted[2].phone == ""  # phone may be left empty


def test_the_publication_date_of_a_csv_comes_from_the_caller(tmp_path):
    result = parse_clinic_file(csv_file(tmp_path, *GOOD_ROWS), published=date(2026, 3, 5))
    assert result.published == date(2026, 3, 5)


def test_a_csv_saved_with_a_bom_reads_the_same(tmp_path):
    path = csv_file(tmp_path, *GOOD_ROWS, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = parse_clinic_file(path)
    assert result.rejected == []
    assert [p.id for p in result.accepted] == ["fc-1", "pfc-1", "em-1"]


def test_chinese_headers_and_type_names_in_any_column_order_with_extra_columns(tmp_path):
    path = csv_file(
        tmp_path,
        "发热门诊,fc-9,示例医院发热门诊,示例区,示例路 1 号,31.2,121.4,周一至周五 8:00-17:30,x,",
        header="类型,编号,名称,区,地址,纬度,经度,开放时间,序号,电话",
    )
    result = parse_clinic_file(path)
    assert result.rejected == []
    [clinic] = result.accepted
    assert (clinic.id, clinic.type, clinic.district) == ("fc-9", PlaceType.FEVER_CLINIC, "示例区")
    assert clinic.hours == parse_opening_hours("Mo-Fr 08:00-17:30")


def test_json_list(tmp_path):
    path = json_file(
        tmp_path,
        [
            {
                "id": "fc-1",
                "name": "Central",
                "type": "fever_clinic",
                "district": "Minghu",
                "address": "1 Lake Rd",
                "phone": 12320,
                "lat": 31.2352,
                "lon": "121.4751",
                "hours": "24h",
            }
        ],
    )
    result = parse_clinic_file(path)
    assert result.rejected == []
    [clinic] = result.accepted
    assert (clinic.phone, clinic.lat, clinic.lon, clinic.notes) == ("12320", 31.2352, 121.4751, "")
    assert result.published is None


def test_json_object_with_publication_date_which_the_caller_can_override(tmp_path):
    entry = {
        "id": 7,
        "name": "Maternity",
        "type": "maternity_hospital",
        "district": "Songtao",
        "address": "160 Bamboo Rd",
        "lat": 31.2013,
        "lon": 121.4518,
        "hours": "Mo-Fr 08:00-17:30",
    }
    path = json_file(tmp_path, {"published": "2026-03-05", "places": [entry]})
    result = parse_clinic_file(path)
    assert result.published == date(2026, 3, 5)
    assert [p.id for p in result.accepted] == ["7"]
    assert parse_clinic_file(path, published=date(2026, 4, 1)).published == date(2026, 4, 1)


# --- bad rows --------------------------------------------------------------------------------


def test_every_error_is_reported_with_the_row_number_the_spreadsheet_shows(tmp_path):
    path = csv_file(
        tmp_path,
        GOOD_ROWS[0],  # row 2
        ",,,,,,,,,",  # row 3: blank, skipped, but still counts as a row
        "x-1,,hospital,Minghu,Addr,phone?,95,200,Mo 25:00-26:00,",  # row 4
        "fc-1,Again,fever_clinic,Minghu,Addr,0-1,31.2,121.4,24h,",  # row 5
        # row 6: a line break inside a cell does not start a new spreadsheet row
        'x 2,"Multi\nline",fever_clinic,Minghu,Addr,,abc,121.4,'
        '"Mo-Fr 08:00-17:30, Sa 09:00-12:00",',
        "x-3,Swapped,fever_clinic,Minghu,Addr,,121.47,31.23,24h,",  # row 7
        "x-4,No hours,fever_clinic,Minghu,Addr,021 0000 0104,31.2,121.4,,",  # row 8
        GOOD_ROWS[2],  # row 9
    )
    result = parse_clinic_file(path)
    assert [p.id for p in result.accepted] == ["fc-1", "em-1"]
    assert errors_by_row(result) == {
        4: [
            ("name", "required"),
            ("type", "unknown_type"),
            ("lat", "out_of_range"),
            ("lon", "out_of_range"),
            ("phone", "bad_phone"),
            ("hours", "hours_bad_time"),
        ],
        5: [("id", "duplicate_id"), ("phone", "bad_phone")],
        6: [("id", "bad_id"), ("lat", "not_a_number"), ("hours", "hours_bad_separator")],
        7: [("lat", "coordinates_swapped")],
        8: [("hours", "required")],
    }
    assert result.rejected_rows == [4, 5, 6, 7, 8]
    assert result.rows_read == 7
    duplicate = next(e for e in result.rejected if e.reason == "duplicate_id")
    assert duplicate == RowError(5, "id", "duplicate_id", "fc-1", {"first_row": 2})
    out_of_range = next(e for e in result.rejected if e.field == "lon")
    assert (out_of_range.value, out_of_range.params) == ("200", {"low": -180, "high": 180})
    hours = next(e for e in result.rejected if e.reason == "hours_bad_time")
    assert (hours.value, hours.params) == ("Mo 25:00-26:00", {"fragment": "25:00"})


@pytest.mark.parametrize(
    ("phone", "plausible"),
    [
        ("021-6000-1234", True),
        ("(021) 6000 1234", True),
        ("+86 21 6000 1234", True),
        ("13800000000", True),
        ("120", True),
        ("12320", True),
        ("021-6000-1234 / 12320", True),
        ("021-6000-1234、021-6000-5678", True),
        ("021-6000-1234 转 8001", True),
        ("021-6000-1234 ext. 12", True),
        ("12", False),
        ("1234567890123456", False),
        ("call us", False),
        ("021-6000-1234 /", True),
        ("+", False),
        ("021-6000-12a4", False),
        ("021-6000-1234 x 12", True),
    ],
)
def test_phone_plausibility(tmp_path, phone, plausible):
    row = f'p-1,Name,fever_clinic,D,A,"{phone}",31.2,121.4,24h,'
    result = parse_clinic_file(csv_file(tmp_path, row))
    assert (result.rejected == []) is plausible, result.rejected


def test_json_rows_with_wrong_kinds_of_values(tmp_path):
    good = {
        "id": "ok",
        "name": "N",
        "type": "fever_clinic",
        "district": "D",
        "address": "A",
        "lat": 31.2,
        "lon": 121.4,
        "hours": "24h",
    }
    path = json_file(
        tmp_path,
        [
            good,
            "not an object",
            {**good, "id": "b", "lat": True, "lon": None, "name": ["N"]},
            {**good, "id": "c", "lat": "NaN", "hours": ""},
        ],
    )
    result = parse_clinic_file(path)
    assert [p.id for p in result.accepted] == ["ok"]
    assert errors_by_row(result) == {
        2: [("", "not_an_object")],
        3: [("name", "not_text"), ("lat", "not_a_number"), ("lon", "required")],
        4: [("hours", "required"), ("lat", "not_a_number")],
    }


# --- whole-file problems ---------------------------------------------------------------------


def test_missing_columns_are_named_before_any_row_is_read(tmp_path):
    path = csv_file(tmp_path, "a,b", header="id,name")
    with pytest.raises(ClinicFileError) as caught:
        list(iter_rows(path))
    assert caught.value.code == "missing_columns"
    assert caught.value.params == {"columns": "type, district, address, lat, lon, hours"}


def test_a_column_given_twice_under_two_names_is_refused(tmp_path):
    path = csv_file(tmp_path, header=HEADER + ",电话")
    with pytest.raises(ClinicFileError) as caught:
        parse_clinic_file(path)
    assert (caught.value.code, caught.value.params) == ("duplicate_column", {"column": "phone"})


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("clinics.csv", b"", "empty_file"),
        ("clinics.csv", (HEADER + "\nfc-1,发热门诊,fever_clinic\n").encode("gbk"), "not_utf8"),
        ("clinics.xlsx", b"PK", "unsupported_format"),
        ("clinics.json", b'[{"id": 1,}]', "bad_json"),
        ("clinics.json", b'{"places": 3}', "bad_json_shape"),
        ("clinics.json", b'{"published": "5/3/2026", "places": []}', "bad_published"),
    ],
)
def test_unreadable_files(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ClinicFileError) as caught:
        parse_clinic_file(path)
    assert caught.value.code == code


# --- progress on large files -----------------------------------------------------------------


def test_rows_can_be_checked_one_at_a_time_with_a_known_total(tmp_path):
    rows = [f"p-{i},Place {i},fever_clinic,D,A,,31.{i:04d},121.4,24h," for i in range(1, 501)]
    rows[99] = rows[99].replace("24h", "sometimes")
    path = csv_file(tmp_path, *rows, "")
    assert count_rows(path) == 500
    results = iter_rows(path)
    first = next(results)
    assert (first.row_number, first.place.id, first.errors) == (2, "p-1", ())
    rest = list(results)
    assert len(rest) == 499
    bad = [r for r in rest if r.errors]
    assert [(r.row_number, r.place) for r in bad] == [(101, None)]
    assert bad[0].errors[0].reason == "hours_missing_times"


def test_json_rows_count_and_numbering(tmp_path):
    path = json_file(tmp_path, {"places": [{}, {}, {}]})
    assert count_rows(path) == 3
    assert [r.row_number for r in iter_rows(path)] == [1, 2, 3]


# --- the shipped sample ----------------------------------------------------------------------


def test_the_shipped_sample_parses_without_rejections_and_says_it_is_a_sample():
    result = parse_clinic_file(CONTENT_DIR / "sample.csv")
    assert result.rejected == []
    assert len(result.accepted) == 12
    assert {p.type for p in result.accepted} == set(PlaceType)
    assert len({p.district for p in result.accepted}) == 3
    assert all("SAMPLE — not a real list" in p.notes for p in result.accepted)
    assert "SAMPLE — not a real list" in (CONTENT_DIR / "README.md").read_text(encoding="utf-8")
    hours = {p.id: p.hours for p in result.accepted}
    assert sum(h.is_always_open for h in hours.values()) >= 2
    assert hours["mh-fc-02"].days[6] == ()  # closed on Sunday
    assert any(i.end > 1440 for day in hours["yl-pfc-01"].days for i in day)  # past midnight
    for place in result.accepted:
        assert 31.1 < place.lat < 31.4 and 121.3 < place.lon < 121.6


# --- messages for the admin ------------------------------------------------------------------


def test_row_errors_read_as_sentences_in_both_languages(tmp_path):
    path = csv_file(
        tmp_path,
        GOOD_ROWS[0],
        "fc-1,,clinic,D,A,??,121.47,31.23,Mo-Fr,",
        'x 1,N,fever_clinic,D,A,,abc,500,"Mo 08:00-12:00; Mo 13:00-14:00",',
    )
    texts = load_import_texts()
    result = parse_clinic_file(path)
    assert len(result.rejected) >= 8
    for error in result.rejected:
        zh = describe_row_error(error, "zh_Hans", texts)
        en = describe_row_error(error, "en", texts)
        assert zh.startswith(f"第 {error.row_number} 行（{error.field}）：")
        assert en.startswith(f"Row {error.row_number} ({error.field}): ")
    duplicate = next(e for e in result.rejected if e.reason == "duplicate_id")
    assert describe_row_error(duplicate, "en", texts) == (
        "Row 3 (id): the id “fc-1” is already used in row 2."
    )


@pytest.mark.parametrize(
    "code",
    [
        "unsupported_format",
        "not_utf8",
        "empty_file",
        "duplicate_column",
        "missing_columns",
        "bad_json",
        "bad_json_shape",
        "bad_published",
    ],
)
def test_file_errors_have_texts_in_both_languages(code):
    texts = load_import_texts()
    error = ClinicFileError(code, suffix=".x", column="c", columns="c", line=1, value="v")
    for locale in ("zh_Hans", "en"):
        assert describe_file_error(error, locale, texts).strip()
