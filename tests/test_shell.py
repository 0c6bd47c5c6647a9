"""The README's alert walkthrough, typed into `python -m bot shell` as a script.

A staff member starts the shell; a pregnant woman (user 2001) onboards, reports
vaginal bleeding, then carries on chatting. Her staff member's alert must still be
printed, once, headed with who received it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Numbers press the numbered inline buttons, as the README explains.
WALKTHROUGH = [
    "/as 2001 en",
    "/start",
    "2",  # English
    "1",  # I agree
    "1",  # I am pregnant
    "3",  # how many weeks I am
    "38",
    "1",  # yes, that is right
    "1",  # risk colour green
    "1",  # the first district
    "1",  # the first community
    "Skip",  # no phone number
    "/report",
    "1",  # vaginal bleeding
    "22",  # done
    "/help",  # she carries on: the alert must not be lost
    "/as 1001",
    "/ledger",
]


def run_shell(
    tmp_path: Path, script: list[str], lang: str = "C.UTF-8"
) -> subprocess.CompletedProcess[str]:
    skip = {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "LC_ALL", "LC_MESSAGES"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env["PYTHONPATH"] = str(ROOT)
    env["LANG"] = lang  # the shell's own labels follow the terminal, like every command
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "shell",
            "--role",
            "staff",
            "--language",
            "en",
            "--database-url",
            f"sqlite:///{tmp_path / 'shell.sqlite3'}",
        ],
        cwd=tmp_path,
        env=env,
        input="\n".join(script) + "\n",
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_readme_alert_walkthrough_shows_the_staff_alert(tmp_path: Path) -> None:
    result = run_shell(tmp_path, WALKTHROUGH)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Your report is saved" in out  # she was told her staff know
    # The alert to the staff member (user 1001), printed once, under who received it.
    header = out.index("(to user 1001)")
    alert = out[header:]
    assert re.match(r"\(to user 1001\)\n🚨[^\n]*#1\n", alert), alert[:300]
    assert "User 2001" in alert.splitlines()[2]
    assert len(re.findall(r"🚨[^\n]*#1\n", out)) == 1
    # It came right after her report, before she carried on with /help.
    assert header < out.index("> /help")
    assert "open alerts: 1" in out  # and the ledger agrees


def test_a_script_ending_right_after_the_report_still_shows_the_alert(tmp_path: Path) -> None:
    result = run_shell(tmp_path, WALKTHROUGH[: WALKTHROUGH.index("22") + 1])
    assert result.returncode == 0, result.stderr
    assert re.search(r"\(to user 1001\)\n🚨[^\n]*#1\n", result.stdout)


def test_the_shells_own_labels_follow_a_chinese_terminal(tmp_path: Path) -> None:
    result = run_shell(tmp_path, WALKTHROUGH[: WALKTHROUGH.index("22") + 1], lang="zh_CN.UTF-8")
    assert result.returncode == 0, result.stderr
    assert "（发给用户 1001）" in result.stdout
    assert "（现在以用户 2001 的身份对话）" in result.stdout
    assert "Your report is saved" in result.stdout  # the bot still speaks her language


def test_the_mother_is_told_in_the_shell_when_her_alert_is_taken(tmp_path: Path) -> None:
    """The walkthrough's last step: the staff member acknowledges; she hears who took it."""
    script = [*WALKTHROUGH[: WALKTHROUGH.index("/as 1001") + 1], "1"]  # 1: ✅ Acknowledge
    result = run_shell(tmp_path, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    taken = out.index("(notice) You took this alert")
    after = out[taken:]
    assert "(to user 2001)" in after
    notice = after[after.index("(to user 2001)") :]
    assert "Looking after you: your community health worker." in notice
    assert out.count("Looking after you: your community health worker. They will") == 1
