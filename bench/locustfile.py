"""Locust scenario for protocol v1 (the same as xinyu-load): each simulated user authenticates
over WebSocket, then sends a chat, reads the streamed reply to its `done`, thinks, repeats.
Reports "connect", "ttft" and "total" per turn as Locust request stats.

  /usr/bin/python3 -m locust -f bench/locustfile.py --headless -u 100 -r 20 -t 30s \
      --host http://127.0.0.1:8080

The host is the server's address as Locust users type it (http:// or https://); the
WebSocket URL is derived from it (ws:// or wss:// + /v1/ws). ws:// and wss:// hosts work too.
With signed tokens, set XINYU_LOCUST_TOKEN to a token (scripts: xinyu-server --issue-token).
The run exits non-zero when no request succeeded (nothing was measured), and, as Locust
does, when any request failed.
Needs Debian's python3-locust and python3-websocket (scripts/setup.sh installs both).
"""
import itertools
import json
import os
import time
from urllib.parse import urlsplit, urlunsplit

import websocket  # websocket-client: synchronous, cooperative under Locust's gevent
from locust import User, between, events, task
from locust.exception import StopUser

_ids = itertools.count()


def websocket_url(host):
    """The /v1/ws URL for a Locust host: http -> ws, https -> wss; a bare host:port is ws."""
    if "://" not in host:
        host = "http://" + host
    parts = urlsplit(host)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None:
        raise ValueError(f"--host must be http://, https://, ws:// or wss://, got {host!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/v1/ws"):
        path += "/v1/ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class ChatUser(User):
    wait_time = between(0.5, 1.5)  # think time
    text = "我最近工作压力很大，晚上总是睡不着，感觉很焦虑"

    def on_start(self):
        self.ws = None
        start = time.perf_counter()
        try:
            self.ws = websocket.create_connection(websocket_url(self.host or ""), timeout=30)
            token = os.environ.get("XINYU_LOCUST_TOKEN")
            auth = {"type": "auth", "token": token} if token else {
                "type": "auth", "user": f"locust-{next(_ids)}"}
            self.ws.send(json.dumps(auth))
            while True:
                frame = json.loads(self.ws.recv())
                if frame.get("type") == "ready":
                    break
                if frame.get("type") == "error":
                    raise RuntimeError(f"auth refused: {frame.get('code')}: {frame.get('message')}")
        except Exception as exc:  # counted, so a run that cannot connect fails visibly
            self._report("connect", start, exc=exc)
            if self.ws is not None:
                self.ws.close()
            raise StopUser()
        self._report("connect", start)
        self.n = 0

    def on_stop(self):
        if self.ws is not None:
            self.ws.close()

    def _report(self, name, start, exc=None, length=0):
        events.request.fire(request_type="ws", name=name,
                            response_time=(time.perf_counter() - start) * 1000,
                            response_length=length, exception=exc, context={})

    @task
    def chat(self):
        self.n += 1
        mid = f"m{self.n}"
        start = time.perf_counter()
        try:
            self.ws.send(json.dumps({"type": "chat", "id": mid, "text": self.text}))
            first = True
            tokens = 0
            while True:
                frame = json.loads(self.ws.recv())
                if frame.get("id") != mid:
                    continue
                kind = frame.get("type")
                if kind == "token":
                    tokens += 1
                    if first:
                        self._report("ttft", start)
                        first = False
                elif kind == "done":
                    self._report("total", start, length=tokens)
                    return
                elif kind == "error":
                    self._report("total", start, exc=RuntimeError(frame.get("code")))
                    return
        except Exception as exc:  # a dropped connection is a failed turn, and ends this user
            self._report("total", start, exc=exc)
            raise StopUser()


@events.quitting.add_listener
def _fail_when_nothing_succeeded(environment, **_):
    total = environment.stats.total
    if total.num_requests - total.num_failures <= 0:
        print("locustfile: no request succeeded; nothing was measured", flush=True)
        environment.process_exit_code = 1
