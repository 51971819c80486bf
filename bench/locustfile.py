"""Locust scenario for protocol v1 (the same as xinyu-load): each simulated user authenticates
over WebSocket, then sends a chat, reads the streamed reply to its `done`, thinks, repeats.
Reports "ttft" and "total" per turn as Locust request stats.

  /usr/bin/python3 -m locust -f bench/locustfile.py --headless -u 100 -r 20 -t 30s \
      --host ws://127.0.0.1:8080
Needs Debian's python3-locust and python3-websocket (scripts/setup.sh installs both).
"""
import itertools
import json
import time

import websocket  # websocket-client: synchronous, cooperative under Locust's gevent
from locust import User, between, events, task

_ids = itertools.count()


class ChatUser(User):
    wait_time = between(0.5, 1.5)  # think time
    text = "我最近工作压力很大，晚上总是睡不着，感觉很焦虑"

    def on_start(self):
        self.ws = websocket.create_connection(self.host.rstrip("/") + "/v1/ws", timeout=30)
        self.ws.send(json.dumps({"type": "auth", "user": f"locust-{next(_ids)}"}))
        while json.loads(self.ws.recv()).get("type") != "ready":
            pass
        self.n = 0

    def on_stop(self):
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
