"""An admin publishes the fever-clinic list with `python -m bot clinics import`.

Every row is checked first; the report names each accepted and rejected row; a file
with errors leaves the published list exactly as it was, unless --skip-invalid.
Runs on SQLite and, with MCH_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot import clinics
from bot.__main__ import build_parser
from bot.clinic_cli import import_clinics
from bot.clinics_import import CONTENT_DIR
from bot.clock import ManualClock
from bot.config import Settings
from storage import places as place_store
from storage.db import Database
from storage.models import Place as PlaceRow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = CONTENT_DIR / "sample.csv"
IMPORTED_AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
HEADER = "id,name,type,district,address,phone,lat,lon,hours,notes"
GOOD = [
    "fc-1,Central Fever Clinic,fever_clinic,Minghu,1 Lake Rd,021-0000-0101,31.2352,121.4751,24h,",
    "pfc-1,Children's Fever Clinic,paediatric_fever_clinic,Minghu,18 Maple St,021-0000-0102,"
    '31.2291,121.4816,"Mo-Fr 08:00-17:30; Sa 08:00-12:00",Bring the vaccination book',
    "em-1,Emergency Midwifery,emergency_midwifery,Yunling,56 Pine Rd,,31.2598,121.4583,24h,",
]
BAD_LAT = "bad-1,Bad Latitude,fever_clinic,Minghu,2 Lake Rd,,north,121.47,24h,"
BAD_HOURS = "bad-2,Bad Hours,fever_clinic,Minghu,3 Lake Rd,,31.23,121.47,Mo-Fr 25:00-17:00,"


def csv_file(tmp_path: Path, *rows: str, header: str = HEADER, bom: bool = False) -> Path:
    path = tmp_path / "clinics.csv"
    text = "\n".join([header, *rows]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


class Terminal(io.StringIO):
    """Captured output that claims to be a terminal, as a person's would."""

    def isatty(self) -> bool:
        return True


async def run(
    settings: Settings, *argv: str, locale: str = "en", err: io.StringIO | None = None
) -> tuple[int, str, str]:
    args = build_parser().parse_args(["clinics", "import", *argv])
    out, err = io.StringIO(), err or io.StringIO()
    code = await import_clinics(
        args,
        settings,
        out=out,
        err=err,
        clock=ManualClock(IMPORTED_AT),
        locale=locale,
    )
    return code, out.getvalue(), err.getvalue()


async def published_ids(db: Database) -> list[str]:
    async with db.session() as session:
        return [row.id for row in await place_store.all_places(session)]


async def metadata(db: Database):
    async with db.session() as session:
        return await place_store.list_metadata(session)


# --- a good file -----------------------------------------------------------------------------


async def test_a_good_file_is_published_with_its_date_and_a_report(settings, db) -> None:
    code, out, err = await run(settings, str(SAMPLE), "--published", "2026-11-20")
    assert code == 0, err
    assert "sample.csv: 12 rows read, 12 accepted, 0 rejected." in out
    assert "row 2: mh-fc-01 明湖区中心医院发热门诊 (fever_clinic, 明湖区)" in out
    assert "row 13: st-mh-01 松涛妇产医院 (maternity_hospital, 松涛区)" in out
    assert "Published 12 places. It replaces the 0 places of the previous list." in out
    assert "Publication date: 2026-11-20" in out
    assert err == ""
    assert len(await published_ids(db)) == 12
    meta = await metadata(db)
    assert meta is not None
    assert (meta.published, meta.source_name, meta.count) == (date(2026, 11, 20), "sample.csv", 12)
    assert meta.imported_at == IMPORTED_AT
    directory = await clinics.load_directory(db)
    by_id = {place.id: place for place in directory.places}
    assert by_id["yl-pfc-01"].hours.text == "Mo-Su 18:00-02:00"
    assert by_id["mh-em-01"].phone == "021-0000-0103 / 12320"
    assert (by_id["mh-fc-01"].lat, by_id["mh-fc-01"].lon) == (31.2352, 121.4751)


async def test_the_report_is_in_chinese_on_a_chinese_terminal(settings, tmp_path) -> None:
    code, out, _err = await run(settings, str(csv_file(tmp_path, *GOOD)), locale="zh_Hans")
    assert code == 0
    assert "clinics.csv：共读取 3 行，接受 3 行，拒绝 0 行。" in out
    assert "第 2 行：fc-1 Central Fever Clinic（fever_clinic，Minghu）" in out
    assert "已发布 3 个机构" in out
    # No --published for a CSV: allowed, with a warning, and the list has no date.
    assert "没有提供发布日期" in out


async def test_a_json_list_carries_its_own_publication_date(settings, db, tmp_path) -> None:
    path = tmp_path / "clinics.json"
    document = {
        "published": "2026-11-18",
        "places": [
            {
                "id": "j1",
                "name": "JSON Clinic",
                "type": "发热门诊",
                "district": "D",
                "address": "A",
                "phone": 12320,
                "lat": 31.2,
                "lon": "121.4",
                "hours": "周一至周五 8:00-17:30",
            },
            {"id": "j2", "name": "No Coordinates", "type": "fever_clinic", "district": "D"},
        ],
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    code, out, _err = await run(settings, str(path), "--skip-invalid")
    assert code == 0
    assert "2 rows read, 1 accepted, 1 rejected." in out
    assert "Row 2 (lat): required, cannot be empty." in out
    assert "Row 2 (hours): required, cannot be empty." in out
    assert await published_ids(db) == ["j1"]
    meta = await metadata(db)
    assert meta is not None and meta.published == date(2026, 11, 18)
    # The admin's date wins over the file's.
    await run(settings, str(path), "--skip-invalid", "--published", "2026-11-25")
    meta = await metadata(db)
    assert meta is not None and meta.published == date(2026, 11, 25)


async def test_a_csv_with_a_byte_order_mark_and_chinese_headers_is_read(
    settings, db, tmp_path
) -> None:
    header = "编号,名称,类型,区,地址,电话,纬度,经度,开放时间,备注"
    row = "bom-1,带BOM的发热门诊,发热门诊,明湖区,湖滨路1号,021-0000-0101,31.23,121.47,24小时,"
    code, out, err = await run(settings, str(csv_file(tmp_path, row, header=header, bom=True)))
    assert code == 0, out + err
    assert await published_ids(db) == ["bom-1"]


# --- bad rows --------------------------------------------------------------------------------


async def test_each_bad_row_is_reported_by_row_number_and_nothing_changes(
    settings, db, tmp_path
) -> None:
    assert (await run(settings, str(SAMPLE), "--published", "2026-11-20"))[0] == 0
    before = await metadata(db)
    version = (await clinics.load_directory(db)).version

    path = csv_file(tmp_path, GOOD[0], BAD_LAT, GOOD[1], BAD_HOURS, GOOD[0])
    code, out, err = await run(settings, str(path), "--published", "2026-12-01")
    assert code == 1
    assert "clinics.csv: 5 rows read, 2 accepted, 3 rejected." in out
    assert "Row 3 (lat): “north” is not a number" in out
    assert "Row 5 (hours): the time “25:00” is wrong" in out
    assert "Row 6 (id): the id “fc-1” is already used in row 2." in out
    assert "row 2: fc-1 Central Fever Clinic" in out and "row 4: pfc-1" in out
    assert "Nothing was changed" in err and "--skip-invalid" in err
    # The sample list published before is untouched, date and all.
    assert len(await published_ids(db)) == 12
    after = await metadata(db)
    assert after is not None and before is not None
    assert (after.published, after.count, after.source_name, after.imported_at) == (
        before.published,
        before.count,
        before.source_name,
        before.imported_at,
    )
    assert (await clinics.load_directory(db)).version == version


async def test_skip_invalid_publishes_only_the_good_rows(settings, db, tmp_path) -> None:
    await run(settings, str(SAMPLE))
    path = csv_file(tmp_path, GOOD[0], BAD_LAT, GOOD[1])
    code, out, err = await run(settings, str(path), "--skip-invalid", "--published", "2026-12-01")
    assert code == 0, err
    assert "Row 3 (lat)" in out
    assert "Published 2 places. It replaces the 12 places of the previous list." in out
    assert await published_ids(db) == ["fc-1", "pfc-1"]


async def test_one_place_replacing_one_place_is_said_in_the_singular(settings, tmp_path) -> None:
    await run(settings, str(csv_file(tmp_path, GOOD[0])))
    code, out, err = await run(settings, str(csv_file(tmp_path, GOOD[1])))
    assert code == 0, err
    assert "clinics.csv: 1 row read, 1 accepted, 0 rejected." in out
    assert "Published 1 place. It replaces the 1 place of the previous list." in out
    assert "1 places" not in out


async def test_a_file_with_no_valid_rows_never_empties_the_list(settings, db, tmp_path) -> None:
    await run(settings, str(SAMPLE))
    for rows in ([BAD_LAT, BAD_HOURS], []):
        code, _out, err = await run(settings, str(csv_file(tmp_path, *rows)), "--skip-invalid")
        assert code == 1
        assert "the file has no valid rows" in err
        assert len(await published_ids(db)) == 12


async def test_values_too_long_for_the_database_are_rejected_with_their_row(
    settings, db, tmp_path
) -> None:
    long_note = GOOD[2].rstrip(",") + "," + "n" * 501
    code, out, _err = await run(settings, str(csv_file(tmp_path, GOOD[0], long_note)))
    assert code == 1
    assert "Row 3 (notes): too long: at most 500 characters, this has 501." in out
    assert await published_ids(db) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("编号,名称\n".encode("gbk"), "The file is not UTF-8"),
        (b"id,name\nx,y\n", "Required columns are missing: type, district"),
        (b"", "The file is empty"),
    ],
)
async def test_an_unreadable_file_changes_nothing(settings, db, tmp_path, content, message) -> None:
    await run(settings, str(SAMPLE))
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    code, _out, err = await run(settings, str(path))
    assert code == 1
    assert message in err
    assert len(await published_ids(db)) == 12


async def test_mistakes_in_the_command_itself_exit_with_2(settings, tmp_path) -> None:
    code, _out, err = await run(settings, str(tmp_path / "missing.csv"))
    assert code == 2 and "there is no such file" in err
    code, _out, err = await run(settings, str(SAMPLE), "--published", "20.11.2026")
    assert code == 2 and "“20.11.2026” is not a date" in err


# --- progress --------------------------------------------------------------------------------


async def test_a_progress_bar_is_drawn_on_a_terminal_only(settings, tmp_path) -> None:
    rows = [f"p{i},Clinic {i},fever_clinic,D,Road {i},,31.{i:04},121.47,24h," for i in range(500)]
    path = csv_file(tmp_path, *rows)
    terminal = Terminal()
    code, out, _err = await run(settings, str(path), err=terminal)
    assert code == 0
    assert "/500" in terminal.getvalue()
    assert "/500" not in out  # the report stays clean for a pipe
    code, _out, err = await run(settings, str(path))
    assert code == 0 and err == ""


# --- the storage transaction -----------------------------------------------------------------


async def test_a_failure_while_replacing_rolls_back_to_the_old_list(settings, db) -> None:
    await run(settings, str(SAMPLE), "--published", "2026-11-20")
    directory = await clinics.load_directory(db)
    broken = [clinics.to_row(directory.places[0]), clinics.to_row(directory.places[0])]
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            await place_store.replace_places(
                session, broken, published=None, source_name="broken", now=IMPORTED_AT
            )
    assert len(await published_ids(db)) == 12
    meta = await metadata(db)
    assert meta is not None and meta.source_name == "sample.csv"
    assert (await clinics.load_directory(db)).version == directory.version


async def test_replacing_keeps_one_metadata_row_and_counts_versions(db) -> None:
    rows = [
        PlaceRow(
            id="a",
            name="A",
            type="fever_clinic",
            district="D",
            address="x",
            latitude=31.0,
            longitude=121.0,
            hours="24h",
        )
    ]
    for expected_version in (1, 2, 3):
        async with db.session() as session:
            await place_store.replace_places(
                session, rows, published=date(2026, 1, 1), source_name="s" * 300, now=IMPORTED_AT
            )
        async with db.session() as session:
            assert await place_store.list_version(session) == expected_version
    meta = await metadata(db)
    assert meta is not None and meta.id == 1 and meta.count == 1
    assert meta.source_name == "s" * 200


# --- the real command line -------------------------------------------------------------------


def test_the_command_line_publishes_and_reports_with_exit_codes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "LC_ALL"}}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'admin.sqlite3'}",
        # The bot's users default to Chinese; the terminal does not, so the report is English.
        "DEFAULT_LOCALE": "zh_Hans",
        "LANG": "C.UTF-8",
        "LC_MESSAGES": "",
    }

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "clinics", "import", *argv],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    good = cli(str(SAMPLE), "--published", "2026-11-20")
    assert good.returncode == 0, good.stderr
    assert "12 accepted, 0 rejected" in good.stdout
    assert "Published 12 places" in good.stdout
    assert "rows/s" not in good.stderr  # no progress bar when not on a terminal

    bad = cli(str(csv_file(tmp_path, GOOD[0], BAD_LAT)))
    assert bad.returncode == 1
    assert "Row 3 (lat)" in bad.stdout
    assert "Nothing was changed" in bad.stderr

    assert cli(str(tmp_path / "nope.csv")).returncode == 2

    env["LANG"] = "zh_CN.UTF-8"
    chinese = cli(str(SAMPLE))
    assert chinese.returncode == 0, chinese.stderr
    assert "已发布 12 个机构" in chinese.stdout
