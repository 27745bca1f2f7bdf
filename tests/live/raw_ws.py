"""A WebSocket client on a bare socket, for the tests that must control every byte: a frame
header that announces more than is sent, a payload trickled or streamed from one shared buffer
(so forty 16 MiB messages cost the test 16 MiB, not 640), and the close code read off the wire."""

from __future__ import annotations

import asyncio
import base64
import os
import struct

TEXT, CLOSE = 0x1, 0x8


class RawWebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int, path: str) -> "RawWebSocket":
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"no upgrade: {head[:80]!r}")
        return cls(reader, writer)

    def frame_header(self, length: int, opcode: int = TEXT) -> bytes:
        """A final, masked frame header for `length` bytes, with the all-zero mask (the payload is
        then sent as it is: masking with zeros changes nothing)."""
        if length < 126:
            size = bytes([0x80 | length])
        elif length < 2**16:
            size = bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            size = bytes([0x80 | 127]) + struct.pack("!Q", length)
        return bytes([0x80 | opcode]) + size + b"\0\0\0\0"

    async def send_raw(self, data: bytes | memoryview) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send_streamed(self, payload: memoryview, chunk: int = 64 * 1024, pause: float = 1.0) -> None:
        """One text frame of `payload`: the header, then (unless the server answers the header
        within `pause` seconds) the payload chunk by chunk. Stops as soon as the server has
        answered (see `close_code`) or hung up: writing on into a closed connection makes the
        kernel reset it, and a reset can discard the close frame before it is read."""
        try:
            await self.send_raw(self.frame_header(len(payload)))
            try:
                await asyncio.wait_for(self.answered.wait(), pause)
                return
            except TimeoutError:
                pass  # a server that reads on: give it the payload
            for start in range(0, len(payload), chunk):
                if self.answered.is_set():
                    return
                await self.send_raw(payload[start:start + chunk])
                await asyncio.sleep(0)  # let the reading side take what the server sent
        except (ConnectionError, OSError):
            pass

    @property
    def answered(self) -> asyncio.Event:
        if not hasattr(self, "_answered"):
            self._answered = asyncio.Event()
        return self._answered

    async def close_code(self, timeout: float) -> int | None:
        """Read frames until a close frame (its code) or the end of the stream (None); the text
        frames before it are kept in `texts`."""
        self.texts: list[str] = []
        async def read() -> int | None:
            while True:
                try:
                    first, second = await self.reader.readexactly(2)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return None
                finally:
                    self.answered.set()
                length = second & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
                body = await self.reader.readexactly(length)
                if first & 0x0F == 0x1:  # a text frame: kept for the test to read
                    self.texts.append(body.decode("utf-8"))
                if first & 0x0F == CLOSE:
                    return struct.unpack("!H", body[:2])[0] if len(body) >= 2 else None

        return await asyncio.wait_for(read(), timeout)

    def abort(self) -> None:
        self.writer.transport.abort()
