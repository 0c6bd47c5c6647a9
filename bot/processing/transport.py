"""python-telegram-bot's requests over aiohttp instead of httpx.

Every reply, button answer and edit, and every getUpdates, goes through the
Application's request object. With PTB's `HTTPXRequest` a request costs about
1.4 ms of CPU on the test machine, rising to 2.5 ms with thirty-odd in flight
(httpcore checks every pooled connection on each request); with aiohttp, already
a dependency (the webhook server, the delivery worker's wire), about 0.4 ms. At
one or two requests per update that was the largest single cost of handling one.

The parameters go as one JSON body, as the delivery worker's wire sends them (the
Bot API takes JSON as well as forms; encoding a form costs more, above all for
Chinese text), and as multipart form data when there are files, the way
`HTTPXRequest` sends those. Errors become the
same python-telegram-bot exceptions: a timeout is `TimedOut`, any other failure to
get an answer is `NetworkError` (named by type only: the URL holds the bot token).
aiohttp has no write timeout, and its read timeout only starts once the request is
written, so a write that stalls (a server that stops reading an upload) would hang the
person's update for good. The write timeout (5 s, 20 s with files, as `HTTPXRequest`)
is kept by a total timeout instead: connect and pool, write and read added up. Unlike
httpx's per-write timeout it also ends an upload that is slow but moving, after that
long; a ledger export is a few megabytes.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one aiohttp session, opened in the loop that uses it."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self.connection_pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = media_write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._headers = {"User-Agent": self.USER_AGENT}
        self._json_headers = self._headers | {"Content-Type": "application/json"}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connection_pool_size, limit_per_host=0),
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
            )
        return self._session

    async def initialize(self) -> None:
        self._client()

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _timeout(
        self, read: Any, write: Any, connect: Any, pool: Any, files: bool
    ) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read, DefaultValue) else read
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        connect = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        key = (read, write, connect, pool)
        timeout = self._timeouts.get(key)
        if timeout is None:
            # aiohttp's `connect` covers waiting for a pooled connection and opening one.
            waiting = None if connect is None or pool is None else connect + pool
            parts = (waiting, write, read)
            total = None if None in parts else sum(parts)  # type: ignore[arg-type]
            timeout = aiohttp.ClientTimeout(
                total=total, connect=waiting, sock_connect=connect, sock_read=read
            )
            if len(self._timeouts) < 64:
                self._timeouts[key] = timeout
        return timeout

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        data: Any = None
        headers = self._headers
        files = request_data.multipart_data if request_data is not None else None
        if files:
            assert request_data is not None
            form = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        elif request_data is not None:
            data = _dumps(request_data.parameters)
            headers = self._json_headers
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, bool(files)
        )
        try:
            async with self._client().request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error


def _dumps(parameters: dict[str, Any]) -> bytes:
    return json.dumps(parameters, ensure_ascii=False, separators=(",", ":")).encode()
