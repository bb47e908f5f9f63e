#!/usr/bin/env python3
"""A minimal upstream OAuth provider on loopback for the token-exchange benchmark (bench/run).

    python3 bench/fake_upstream.py PORT CLIENT_ID CLIENT_SECRET

It plays the provider a user connects in Latchkey's vault, with explicit endpoints (no discovery):

- GET  /authorize       approves at once: 302 to redirect_uri with a single-use code and the state (no consent
                        page; the benchmark's user always allows).
- POST /token           client_secret_basic; authorization_code and refresh_token. Refresh tokens rotate (the old
                        one is dead after use, a reused one is invalid_grant). Access tokens live `lifetime` seconds.
- POST /_bench/lifetime?seconds=N   sets the lifetime of access tokens issued from now on.
- GET  /_bench/client.json   a client metadata document (CIMD) whose client_id is its own URL; counted in stats.
- GET  /_bench/stats    JSON: how many codes and refreshes it answered, refusals, and the time it spent in
                        refresh answers (so its own share of the exchange's latency can be subtracted).

The same role as FakeUpstream in Sources/LatchkeyDemo (which `latchkey demo` runs; `--upstream-token-lifetime`, an hour by default);
this one exists because the benchmark needs tokens that arrive expired (0 s makes every exchange refresh) and a count of
upstream calls over HTTP. HTTP/1.1 with keep-alive, one thread per connection.
"""
import base64
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, client_id, client_secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
state = {"lifetime": 3600, "codes": {}, "refresh_tokens": set()}
stats = {"authorization_code": 0, "refresh_token": 0, "refused": 0, "refresh_seconds": 0.0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        if not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/authorize":
            if query.get("client_id") != client_id or "redirect_uri" not in query:
                return self.send(400, b"unknown client or redirect_uri")
            code = secrets.token_urlsafe(24)
            with lock:
                state["codes"][code] = query.get("scope", "read:user")
            location = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query.get("state", "")})
            return self.send(302, b"", [("Location", location)])
        if url.path == "/_bench/client.json":
            # A client metadata document for the CIMD code-flow workload: its URL is its client_id.
            document_url = f"http://127.0.0.1:{self.server.server_address[1]}/_bench/client.json"
            with lock:
                stats["client_document"] = stats.get("client_document", 0) + 1
            return self.send(200, json.dumps({
                "client_id": document_url, "client_name": "bench CIMD client", "redirect_uris": ["http://127.0.0.1/callback"],
                "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none",
            }).encode(), [("Content-Type", "application/json"), ("Cache-Control", "max-age=3600")])
        if url.path == "/_bench/stats":
            with lock:
                return self.send(200, dict(stats, lifetime=state["lifetime"]))
        self.send(404, b"not found")

    def do_POST(self):
        started = time.perf_counter()
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if url.path == "/_bench/lifetime":
            with lock:
                state["lifetime"] = int(dict(urllib.parse.parse_qsl(url.query))["seconds"])
            return self.send(200, {"lifetime": state["lifetime"]})
        if url.path != "/token":
            return self.send(404, b"not found")
        expected = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            with lock:
                stats["refused"] += 1
            return self.send(401, {"error": "invalid_client"})
        grant = form.get("grant_type")
        with lock:
            if grant == "authorization_code" and form.get("code") in state["codes"]:
                scope = state["codes"].pop(form["code"])
            elif grant == "refresh_token" and form.get("refresh_token") in state["refresh_tokens"]:
                state["refresh_tokens"].discard(form["refresh_token"])
                scope = form.get("scope") or "read:user"
            else:
                stats["refused"] += 1
                return self.send(400, {"error": "invalid_grant"})
            refresh = secrets.token_urlsafe(32)
            state["refresh_tokens"].add(refresh)
            lifetime = state["lifetime"]
            stats[grant] += 1
        self.send(200, {
            "access_token": secrets.token_urlsafe(32), "token_type": "Bearer", "expires_in": lifetime,
            "refresh_token": refresh, "scope": scope,
        })
        if grant == "refresh_token":
            with lock:
                stats["refresh_seconds"] += time.perf_counter() - started


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
