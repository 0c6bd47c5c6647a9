"""The Bot API transport on aiohttp (bot/processing/transport.py): what reaches the
server, and which python-telegram-bot errors a failure becomes."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.devtools.fake_telegram import FakeTelegram
from bot.processing.transport import AiohttpRequest


@pytest.fixture
async def fake_and_bot() -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    async with FakeTelegram() as fake:
        request = AiohttpRequest(4, read_timeout=0.5)
        bot = Bot(fake.token, base_url=fake.base_url, request=request)
        async with bot:
            yield fake, bot


async def test_a_message_with_a_keyboard_arrives_whole(
    fake_and_bot: tuple[FakeTelegram, Bot],
) -> None:
    fake, bot = fake_and_bot
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好的 ✅", callback_data="ok:1")]])
    sent = await bot.send_message(42, "<b>洗手</b> hands", parse_mode="HTML", reply_markup=keyboard)
    call = fake.calls[-1]
    assert call.method == "sendMessage"
    assert call.params["chat_id"] == 42
    assert call.params["text"] == "<b>洗手</b> hands"
    assert call.inline_buttons == [{"text": "好的 ✅", "callback_data": "ok:1"}]
    assert sent.message_id == call.result["message_id"]


async def test_a_file_goes_as_multipart(fake_and_bot: tuple[FakeTelegram, Bot]) -> None:
    fake, bot = fake_and_bot
    await bot.send_document(42, io.BytesIO(b"a,b\n1,2\n"), filename="ledger.csv", caption="x")
    call = fake.calls[-1]
    assert call.method == "sendDocument"
    assert call.params["document"]["filename"] == "ledger.csv"
    assert call.params["document"]["content"] == b"a,b\n1,2\n"


async def test_failures_become_the_errors_ptb_would_raise(
    fake_and_bot: tuple[FakeTelegram, Bot],
) -> None:
    fake, bot = fake_and_bot
    fake.fail("sendMessage", status=400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(42, "hello")
    fake.fail("sendMessage", disconnect=True)
    with pytest.raises(NetworkError) as network:
        await bot.send_message(42, "hello")
    assert fake.token not in str(network.value)  # the URL carries the token
    fake.fail("sendMessage", delay=2.0)
    with pytest.raises(TimedOut):
        await bot.send_message(42, "hello")
    await bot.send_message(42, "after all that")  # the session still works
    assert fake.calls[-1].text == "after all that"


async def test_an_upload_the_server_stops_reading_times_out() -> None:
    """aiohttp has no write timeout: the total timeout keeps python-telegram-bot's, so a
    stalled upload cannot hold the person's update (and their turn) for good."""

    async def never_read(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(2, read_timeout=0.5, connect_timeout=0.5, pool_timeout=0.5)
    bot = Bot("123456:TEST", base_url=f"http://127.0.0.1:{port}/bot", request=request)
    await request.initialize()
    started = time.monotonic()
    try:
        big = io.BytesIO(b"x" * 50_000_000)  # more than the socket buffers hold
        with pytest.raises(TimedOut):
            upload = bot.send_document(1, big, filename="ledger.csv", write_timeout=1.0)
            await asyncio.wait_for(upload, 15)  # a hang fails the test instead of blocking it
    finally:
        await request.shutdown()
        server.close()
    assert time.monotonic() - started < 5  # connect, pool, write and read: 2.5 s at most
