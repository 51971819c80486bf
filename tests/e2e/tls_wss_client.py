"""Test helper for tls_serving_e2e_test: one chat over wss:// trusting CERT only.
Prints the done frame's finish and the number of token frames; exits non-zero on any failure.
  /usr/bin/python3 tls_wss_client.py PORT CERT
"""
import asyncio
import json
import ssl
import sys

import websockets


async def main(port, cert):
    ctx = ssl.create_default_context(cafile=cert)
    async with websockets.connect(f"wss://localhost:{port}/v1/ws", ssl=ctx) as ws:
        await ws.send(json.dumps({"type": "auth", "user": "tls-user"}))
        while json.loads(await ws.recv()).get("type") != "ready":
            pass
        await ws.send(json.dumps({"type": "chat", "id": "w1", "text": "hello over TLS"}))
        tokens = 0
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("type") == "token":
                tokens += 1
            elif frame.get("type") == "done":
                print(frame["finish"], tokens)
                return


asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
