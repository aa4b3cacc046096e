"""A WebSocket server on Python's `websockets` library (a peer lbctl did not write) for
`lbctl probe ws://` tests (tests/integration/probe/ws.rs). Prints its port, then serves until
killed or for SECONDS.

    ws_peer.py MODE SECONDS [CERT KEY]

MODE: echo   - answers every message with the same message
      greet  - sends "hello from websockets" on connect, then echoes
      refuse - answers the upgrade with 403 Forbidden
      mute   - upgrades, then never sends anything (and never answers a close)
      close  - upgrades, then closes at once with 1008 "go away"
      chat   - like echo, and speaks the "chat" subprotocol when the client asks for it
CERT KEY: PEM files; the server then speaks TLS (wss://).
"""

import asyncio
import http
import ssl
import sys

from websockets.asyncio.server import serve


async def handler(ws, mode):
    if mode == "greet":
        await ws.send("hello from websockets")
    if mode == "mute":
        await asyncio.sleep(3600)
        return
    if mode == "close":
        await ws.close(1008, "go away")
        return
    async for message in ws:
        await ws.send(message)


def refuse(connection, request):
    return connection.respond(http.HTTPStatus.FORBIDDEN, "no websockets here\n")


async def main():
    mode, seconds = sys.argv[1], float(sys.argv[2])
    tls = None
    if len(sys.argv) > 4:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[3], sys.argv[4])
    kwargs = {"ssl": tls}
    if mode == "chat":
        kwargs["subprotocols"] = ["chat"]
    if mode == "refuse":
        kwargs["process_request"] = refuse
    if mode == "mute":
        # Do not answer pings or closes with a timeout of our own during the test.
        kwargs["ping_interval"] = None
        kwargs["close_timeout"] = 3600
    async with serve(lambda ws: handler(ws, mode), "127.0.0.1", 0, **kwargs) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(seconds)


asyncio.run(main())
