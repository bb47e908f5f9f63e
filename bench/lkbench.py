"""Shared helpers for bench/crash_test, bench/race_test, bench/soak and bench/scale (Python 3 standard library only).

- `Server`: one `latchkey serve` on 127.0.0.1 and a free port, its log in a file, stopped on exit (SIGTERM, then
  SIGKILL) and killable on purpose (`kill()`, SIGKILL).
- `Postgres`: a throwaway database `latchkey_bench_<tag>_<pid>` created with `psql` from an admin URL and dropped at the
  end.
- `Http`: one keep-alive connection per thread, reconnecting after an error.
- `UserAgent`: registers a public client, signs a user in through the login form, approves consent once, then mints
  codes (`authorize()`) and redeems them (`exchange()`), as bench/user_flow.py does.
"""
from __future__ import annotations

import atexit
import base64
import hashlib
import html
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.environ.get("LATCHKEY_BIN") or os.path.join(
    ROOT, os.environ.get("BENCH_SCRATCH_PATH", ".build-release"), "release", "latchkey")
DEFAULT_PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://latchkey:latchkey@127.0.0.1:5432/latchkey_test")
REDIRECT = "http://127.0.0.1:1/callback"

_cleanups: list = []


def at_exit(fn):
    _cleanups.append(fn)
    return fn


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - best effort at exit
            print(f"warning: cleanup failed: {error}", file=sys.stderr)


atexit.register(_run_cleanups)


def _on_signal(signum, _frame):
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)


def log(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workdir(tag: str, keep: bool = False) -> str:
    path = tempfile.mkdtemp(prefix=f"latchkey-{tag}.")
    if not keep:
        at_exit(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def check_binary(path: str) -> str:
    if not os.access(path, os.X_OK):
        sys.exit(f"error: no latchkey binary at {path}; build it (swift build -c release --product latchkey "
                 f"--scratch-path .build-release) or pass --binary / set LATCHKEY_BIN")
    return os.path.abspath(path)


def master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


class Postgres:
    """A database of its own on the PostgreSQL server of `admin_url` (whose user may CREATE DATABASE)."""

    def __init__(self, admin_url: str, tag: str):
        self.admin_url = admin_url
        self.name = f"latchkey_bench_{tag}_{os.getpid()}"
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + self.name, parts.query, ""))
        self.psql(f'DROP DATABASE IF EXISTS "{self.name}"')
        self.psql(f'CREATE DATABASE "{self.name}"')
        at_exit(self.drop)

    def psql(self, sql: str, url: str | None = None, stdin: str | None = None) -> str:
        result = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql, url or self.admin_url],
                                input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({sql[:80]}): {result.stderr.strip()}")
        return result.stdout

    def drop(self):
        # Connections of killed servers may linger for a moment.
        self.psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}' "
                  f"AND pid <> pg_backend_pid()")
        self.psql(f'DROP DATABASE IF EXISTS "{self.name}"')


class Server:
    """`latchkey serve` on 127.0.0.1. `database` is a SQLite path or a postgres URL; `env` adds LATCHKEY_* settings."""

    def __init__(self, binary: str, directory: str, database: str, key: str, name: str = "server",
                 issuer_port: int | None = None, env: dict | None = None, args: list | None = None,
                 log_level: str = "notice"):
        self.binary, self.directory, self.database, self.name = binary, directory, database, name
        self.port = free_port()
        self.issuer_port = issuer_port
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("LATCHKEY_"):
                del self.env[k]
        self.env["LATCHKEY_MASTER_KEY"] = key
        self.env.update(env or {})
        self.args = args or []
        self.log_level = log_level
        self.process: subprocess.Popen | None = None
        self.starts = 0
        at_exit(self.stop)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> str:
        return os.path.join(self.directory, f"{self.name}.log")

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """A `latchkey` command on this server's store and settings."""
        result = subprocess.run([self.binary, *args, "--database", self.database, "--data-dir",
                                 os.path.join(self.directory, "latchkey-data"), "--log-level", "warning"],
                                cwd=self.directory, env=self.env, input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"latchkey {' '.join(args)} failed: {result.stderr.strip()[-800:]}")
        return result.stdout

    def start(self, timeout: float = 120):
        issuer = f"http://127.0.0.1:{self.issuer_port or self.port}"
        command = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--issuer", issuer,
                   "--database", self.database, "--data-dir", os.path.join(self.directory, "latchkey-data"),
                   "--registration-rate-limit", "0", "--log-level", self.log_level, *self.args]
        logfile = open(self.log_path, "a")
        logfile.write(f"\n===== start {self.starts + 1} at {time.strftime('%H:%M:%S')}: {' '.join(command)}\n")
        logfile.flush()
        self.process = subprocess.Popen(command, cwd=self.directory, env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=logfile, stderr=subprocess.STDOUT)
        logfile.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start (status {self.process.returncode}):\n{self.log_tail()}")
            try:
                status, _, _ = Http(self.base, timeout=2).request("GET", "/healthz", fresh=True)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer GET /healthz within {timeout} s:\n{self.log_tail()}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def rss_kb(self) -> int:
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            pass
        return 0

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_count(self, needle: str) -> int:
        try:
            with open(self.log_path, errors="replace") as f:
                return sum(needle in line for line in f)
        except OSError:
            return 0


class Http:
    """One keep-alive connection; `request` reconnects once if the kept connection was closed by the server."""

    def __init__(self, base: str, timeout: float = 30):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def connect(self):
        self.close()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.connection.connect()
        self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self):
        if self.connection:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                fresh: bool = False, retry: bool = False):
        """(status, headers, body text). Raises OSError/HTTPException when the server does not answer.

        `retry`: resend once on a new connection if a kept-alive connection turns out closed before any answer
        (only for requests that are safe to send twice: reads, or where the caller accepts it)."""
        if isinstance(body, str):
            body = body.encode()
        for attempt in (0, 1):
            if fresh or self.connection is None:
                self.connect()
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read().decode(errors="replace")
                if response.will_close or fresh:
                    self.close()
                return response.status, response.headers, data
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 0 and retry:
                    continue
                raise
        raise AssertionError("unreachable")

    def form(self, path: str, fields: dict, headers: dict | None = None, retry: bool = False):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, urllib.parse.urlencode(fields), h, retry=retry)

    def json(self, path: str, document: dict, headers: dict | None = None, retry: bool = False):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.request("POST", path, json.dumps(document), h, retry=retry)


def basic(client_id: str, secret: str) -> str:
    q = urllib.parse.quote
    return "Basic " + base64.b64encode(f"{q(client_id, safe='')}:{q(secret, safe='')}".encode()).decode()


def error_code(body: str) -> str:
    try:
        return json.loads(body).get("error", "")
    except (ValueError, AttributeError):
        return ""


def add_machine_client(server: Server, name: str, client_id: str | None = None) -> tuple[str, str]:
    """`latchkey clients add` a client_credentials client (client_secret_basic); returns (id, secret)."""
    args = ["clients", "add", "--name", name, "--grant", "client_credentials", "--auth-method",
            "client_secret_basic", "--json"]
    if client_id:
        args += ["--client-id", client_id]
    document = json.loads(server.cli(*args))
    return document["client_id"], document["client_secret"]


def add_user(server: Server, username: str) -> str:
    password = secrets.token_hex(12)
    server.cli("users", "add", username, "--password-stdin", stdin=password + "\n")
    return password


class UserAgent:
    """A browser-like user with a session (cookies) and a registered public client whose consent is remembered."""

    VERIFIER = "bench-verifier-" + "x" * 40
    CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()

    def __init__(self, base: str, username: str, password: str, client_id: str | None = None):
        self.http = Http(base)
        self.cookies: dict[str, str] = {}
        if client_id is None:
            status, _, body = self.http.json("/register", {
                "client_name": "bench user client", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"]})
            if status != 201:
                raise RuntimeError(f"POST /register answered {status}: {body[:300]}")
            client_id = json.loads(body)["client_id"]
        self.client_id = client_id
        self.authorize_path = "/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
            "code_challenge": self.CHALLENGE, "code_challenge_method": "S256", "scope": "mcp:tools offline_access",
            "state": "bench"})
        _, _, page = self._request("GET", self.authorize_path)
        status, _, body = self._request("POST", "/login", urllib.parse.urlencode({
            "csrf_token": self._field(page, "csrf_token"), "return_to": self._field(page, "return_to"),
            "username": username, "password": password}))
        if status != 303:
            raise RuntimeError(f"POST /login answered {status}: {body[:300]}")
        _, _, page = self._request("GET", self.authorize_path)
        status, _, body = self._request("POST", "/authorize/decision", urllib.parse.urlencode({
            "csrf_token": self._field(page, "csrf_token"), "request": self._field(page, "request"),
            "request_binding": self._field(page, "request_binding"), "decision": "approve"}))
        if status != 303:
            raise RuntimeError(f"POST /authorize/decision answered {status}: {body[:300]}")

    def _request(self, method, path, body=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, data = self.http.request(method, path, body, headers, retry=method == "GET")
        for header in response_headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return status, response_headers, data

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    @staticmethod
    def _field(page: str, name: str) -> str:
        match = re.search(r'name="%s" value="([^"]*)"' % name, page)
        if not match:
            raise RuntimeError(f"no {name} field in:\n{page[:800]}")
        return html.unescape(match.group(1))

    def authorize(self, http: Http | None = None) -> str:
        """GET /authorize with the session: a fresh code."""
        status, headers, body = (http or self.http).request("GET", self.authorize_path, headers={"Cookie": self.cookie},
                                                            retry=True)
        if status != 302:
            raise RuntimeError(f"GET /authorize answered {status}: {body[:300]}")
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).query))["code"]

    def code_form(self, code: str) -> dict:
        return {"grant_type": "authorization_code", "code": code, "client_id": self.client_id,
                "redirect_uri": REDIRECT, "code_verifier": self.VERIFIER}

    def refresh_form(self, token: str) -> dict:
        return {"grant_type": "refresh_token", "refresh_token": token, "client_id": self.client_id}

    def exchange(self, code: str, http: Http | None = None) -> dict:
        status, _, body = (http or self.http).form("/token", self.code_form(code))
        if status != 200:
            raise RuntimeError(f"POST /token (authorization_code) answered {status}: {body[:300]}")
        return json.loads(body)

    def new_family(self, http: Http | None = None) -> dict:
        """A code flow: the token response (access_token, refresh_token)."""
        return self.exchange(self.authorize(http), http)


def percentile(values: list, fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


def table(header: list, rows: list) -> str:
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("-|-".join("-" * w for w in widths))
    return "\n".join(lines)
