"""Button data is untrusted: whatever a client sends back, unpacking answers None, never raises."""

from __future__ import annotations

import enum
import itertools
import random
from dataclasses import dataclass

import pytest

from bot.conversation.callback_data import MAX_BYTES, CallbackData, CallbackDataError


class Action(enum.StrEnum):
    ACK = "ack"
    CONTACTED = "done"


@dataclass(frozen=True)
class AlertButton(CallbackData, prefix="tal"):
    action: Action
    alert_id: int
    urgent: bool
    token: str | None = None


@dataclass(frozen=True)
class Choice(CallbackData, prefix="tch"):
    step: str
    value: int


@dataclass(frozen=True)
class Menu(CallbackData, prefix="tmenu"):
    pass


@dataclass(frozen=True)
class Page(CallbackData, prefix="tpg"):
    number: int

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValueError("pages start at 1")


# --- a staff member's alert button survives the round trip -----------------------------------


def test_an_alert_button_packs_into_a_short_string_and_back() -> None:
    button = AlertButton(Action.ACK, 42, urgent=True, token="k3x")
    data = button.pack()
    assert data == "tal:ack:42:1:k3x"
    assert AlertButton.unpack(data) == button


@pytest.mark.parametrize(
    "button",
    [
        AlertButton(Action.CONTACTED, 0, urgent=False),
        AlertButton(Action.ACK, -(2**63), urgent=True, token="t"),
        AlertButton(Action.ACK, 2**63 - 1, urgent=False, token="数据"),
        Choice("risk", 7),
        Choice("名字", -1),
        Menu(),
        Page(3),
    ],
)
def test_whatever_pack_writes_unpack_reads_back_equal(button: CallbackData) -> None:
    assert type(button).unpack(button.pack()) == button


def test_none_is_the_empty_field() -> None:
    assert AlertButton(Action.ACK, 1, urgent=False).pack() == "tal:ack:1:0:"
    assert AlertButton.unpack("tal:ack:1:0:") == AlertButton(Action.ACK, 1, False, None)


def test_the_handler_pattern_matches_only_its_prefix() -> None:
    import re

    pattern = re.compile(AlertButton.pattern())
    assert pattern.match(AlertButton(Action.ACK, 1, False).pack())
    assert not pattern.match("talx:ack:1:0:")
    assert not pattern.match(Choice("a", 1).pack())


# --- pack refuses what Telegram or unpack could not take --------------------------------------


def test_pack_refuses_data_over_telegrams_64_bytes() -> None:
    ok = Choice("x" * (MAX_BYTES - len("tch::1")), 1)
    assert len(ok.pack().encode()) == MAX_BYTES
    with pytest.raises(CallbackDataError, match="64"):
        Choice("x" * (MAX_BYTES - len("tch::1") + 1), 1).pack()


def test_pack_counts_bytes_not_characters() -> None:
    # 20 Chinese characters are 60 bytes of UTF-8.
    with pytest.raises(CallbackDataError):
        Choice("名" * 20, 1).pack()


@pytest.mark.parametrize("value", ["a:b", ":", "a:", ":b"])
def test_pack_refuses_the_separator_inside_a_value(value: str) -> None:
    with pytest.raises(CallbackDataError, match="separator"):
        Choice(value, 1).pack()
    with pytest.raises(CallbackDataError, match="separator"):
        AlertButton(Action.ACK, 1, False, token=value).pack()


@pytest.mark.parametrize(
    "button",
    [
        Choice("", 1),  # an empty required text would read back as missing
        Choice("a", 2**63),  # beyond 64 bits
        Choice("a", -(2**63) - 1),
        Choice("a", True),  # type: ignore[arg-type]
        Choice("a", "1"),  # type: ignore[arg-type]
        Choice(1, 1),  # type: ignore[arg-type]
        AlertButton("ack", 1, False),  # type: ignore[arg-type]
        AlertButton(Action.ACK, 1, 1),  # type: ignore[arg-type]
        AlertButton(Action.ACK, None, False),  # type: ignore[arg-type]
    ],
)
def test_pack_refuses_values_of_the_wrong_type_or_range(button: CallbackData) -> None:
    with pytest.raises(CallbackDataError):
        button.pack()


def test_a_prefix_belongs_to_one_kind_of_button() -> None:
    with pytest.raises(TypeError, match="already used"):

        @dataclass(frozen=True)
        class Other(CallbackData, prefix="tal"):
            x: int


@pytest.mark.parametrize("prefix", ["", "a:b", "名", "x" * 17])
def test_a_prefix_is_short_ascii_without_the_separator(prefix: str) -> None:
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class Bad(CallbackData, prefix=prefix):
            x: int


def test_unsupported_field_types_are_refused_when_first_used() -> None:
    @dataclass(frozen=True)
    class Floaty(CallbackData, prefix="tfloat"):
        x: float

    with pytest.raises(TypeError, match="float"):
        Floaty(1.5).pack()


# --- unpack never raises ---------------------------------------------------------------------


MALFORMED = [
    "",
    ":",
    "::::",
    "tal",
    "tal:",
    "TAL:ack:1:0:",
    "tal:ack:1:0",  # a field short
    "tal:ack:1:0::",  # a field too many
    "tal:ack:1:0:t:extra",
    "tal:nope:1:0:",  # unknown enum value
    "tal:ACK:1:0:",
    "tal::1:0:",  # required enum empty
    "tal:ack::0:",  # required int empty
    "tal:ack:1::",  # required bool empty
    "tal:ack:1:2:",
    "tal:ack:1:true:",
    "tal:ack:²:0:",  # superscript two: str.isdigit() says yes
    "tal:ack:٣:0:",  # Arabic-Indic three: int() would accept it
    "tal:ack:１:0:",  # full-width one
    "tal:ack:12345678901234567890123456:0:",  # 26 digits, beyond 64 bits
    "tal:ack:9223372036854775808:0:",  # 2**63
    "tal:ack:-9223372036854775809:0:",
    "tal:ack:007:0:",  # not canonical
    "tal:ack:-0:0:",
    "tal:ack:+1:0:",
    "tal:ack: 1:0:",
    "tal:ack:1 :0:",
    "tal:ack:1_000:0:",
    "tal:ack:0x10:0:",
    "tal:ack:1e3:0:",
    "tal:ack:1.0:0:",
    "tal:ack:inf:0:",
    "tal:ack:nan:0:",
    "tal:ack:1:0:" + "x" * 60,  # over 64 bytes
    "tal:ack:1:0:\ud800",  # a lone surrogate cannot be UTF-8
    "tch:",
    "tch::1",
    "tch:a:",
    "tmenu:x",
    "tmenu::",
    "tpg:0",  # __post_init__ refuses it
    "tpg:-5",
    "\x00",
    "tal\x00:ack:1:0:",
]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_data_unpacks_to_none_for_every_kind(data: str) -> None:
    for kind in (AlertButton, Choice, Menu, Page):
        assert kind.unpack(data) is None, kind


def test_one_kind_of_button_does_not_read_anothers() -> None:
    assert Choice.unpack("tch:risk:7") == Choice("risk", 7)
    assert AlertButton.unpack("tch:risk:7") is None
    assert Page.unpack("tch:risk:7") is None


@pytest.mark.parametrize("data", [None, 42, b"tal:ack:1:0:", ["tal"], object(), 3.5])
def test_data_that_is_not_a_string_unpacks_to_none(data: object) -> None:
    assert AlertButton.unpack(data) is None


def _mutations(data: str, rng: random.Random) -> list[str]:
    """Many near misses of a valid string: what a buggy or hostile client might send."""
    alphabet = ":0123456789-+ ab²٣１\x00\ud800名" + "".join(chr(c) for c in range(0x20, 0x7F))
    out = [data[:i] for i in range(len(data))]  # every truncation
    out += [data[:i] + data[i + 1 :] for i in range(len(data))]  # every deletion
    for _ in range(400):
        chars = list(data)
        for _edit in range(rng.randint(1, 4)):
            position = rng.randrange(len(chars) + 1)
            choice = rng.random()
            if choice < 0.4:
                chars.insert(position, rng.choice(alphabet))
            elif choice < 0.7 and position < len(chars):
                chars[position] = rng.choice(alphabet)
            elif position < len(chars):
                del chars[position]
        out.append("".join(chars))
    return out


@pytest.mark.parametrize(
    "button",
    [
        AlertButton(Action.ACK, 123456, urgent=True, token="tok"),
        AlertButton(Action.CONTACTED, -7, urgent=False),
        Choice("step", 99),
        Page(12),
    ],
)
def test_no_mutation_of_a_valid_button_makes_unpack_raise(button: CallbackData) -> None:
    rng = random.Random(f"seed-{button.pack()}")
    kinds = (AlertButton, Choice, Menu, Page)
    for data, kind in itertools.product(_mutations(button.pack(), rng), kinds):
        result = kind.unpack(data)
        # Anything accepted is exactly what packing it writes: no second spelling.
        assert result is None or result.pack() == data


def test_random_strings_never_make_unpack_raise() -> None:
    rng = random.Random(2026)
    pieces = ["tal", "tch", "tpg", "tmenu", ":", "ack", "done", "1", "0", "-", "²", "9" * 26, ""]
    for _ in range(3000):
        data = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        for kind in (AlertButton, Choice, Menu, Page):
            result = kind.unpack(data)
            assert result is None or result.pack() == data
