"""Fixtures for the interop suite: a real `latchkey serve` on a free loopback port with its own SQLite data
directory and a user, and a minimal protected resource (an MCP-server stand-in) that answers 401 with RFC 9728
metadata and checks tokens through Latchkey's introspection endpoint, as a confidential client that the operator
added (`latchkey clients add`) and that the resource's `client_id` names.
"""
import base64
import json
import os
import queue
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USERNAME = "interop-user"
PASSWORD = "interop password 123"
INTROSPECTION_CLIENT_ID = "interop-resource-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def latchkey_binary() -> str:
    path = os.environ.get("LATCHKEY_BIN", os.path.join(ROOT, ".build", "debug", "latchkey"))
    if not os.access(path, os.X_OK):
        pytest.exit(f"latchkey binary not found at {path}; run `swift build` first or set LATCHKEY_BIN", returncode=2)
    return path


def post_form(url: str, fields: dict, auth: tuple[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    if auth:
        raw = f"{urllib.parse.quote(auth[0], safe='')}:{urllib.parse.quote(auth[1], safe='')}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(raw).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class Latchkey:
    def __init__(self, issuer: str, data_dir: str, process: subprocess.Popen, resource: str):
        self.issuer = issuer
        self.data_dir = data_dir
        self.process = process
        self.resource = resource


class ResourceServer:
    """An MCP-server stand-in: /mcp needs a Bearer token that Latchkey's introspection calls active for it."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}/mcp"
        self.metadata_url = f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp"
        self.issuer: str | None = None
        self.introspection_client: tuple[str, str] | None = None
        self.seen_tokens: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status: int, body: dict, headers: dict | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/oauth-protected-resource/mcp":
                    return self.reply(200, {
                        "resource": server.url, "authorization_servers": [server.issuer],
                        "scopes_supported": ["mcp:tools"], "bearer_methods_supported": ["header"],
                    })
                if self.path != "/mcp":
                    return self.reply(404, {})
                challenge = f'Bearer resource_metadata="{server.metadata_url}", scope="mcp:tools"'
                header = self.headers.get("Authorization", "")
                if not header.startswith("Bearer "):
                    return self.reply(401, {"error": "unauthorized"}, {"WWW-Authenticate": challenge})
                token = header[len("Bearer "):]
                status, info = post_form(server.issuer + "/introspect", {"token": token}, auth=server.introspection_client)
                aud = info.get("aud")
                audiences = aud if isinstance(aud, list) else [aud]
                if status != 200 or not info.get("active") or server.url not in audiences:
                    return self.reply(401, {"error": "invalid_token"}, {"WWW-Authenticate": challenge + ', error="invalid_token"'})
                server.seen_tokens.append(token)
                return self.reply(200, {"sub": info.get("sub"), "client_id": info.get("client_id"), "scope": info.get("scope")})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture(scope="session")
def resource_server():
    server = ResourceServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def latchkey(resource_server):
    binary = latchkey_binary()
    data_dir = tempfile.mkdtemp(prefix="latchkey-interop-")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({
        "LATCHKEY_DATA_DIR": data_dir,
        "LATCHKEY_PORT": str(port),
        # The resource names its introspection client, so Latchkey lets that client introspect its tokens.
        "LATCHKEY_RESOURCES": json.dumps([{
            "uri": resource_server.url, "name": "Interop MCP server", "scopes": ["mcp:tools", "offline_access"],
            "client_id": INTROSPECTION_CLIENT_ID,
        }]),
        "LATCHKEY_LOG_LEVEL": "warning",
    })
    add = subprocess.run([binary, "users", "add", USERNAME, "--password-stdin"], input=PASSWORD + "\n",
                         env=env, capture_output=True, text=True, timeout=120)
    assert add.returncode == 0, add.stderr
    # The resource server authenticates to introspection as a confidential client of its own. Open registration
    # does not hand out client_credentials, so the operator adds it (with the id the resource entry names).
    client = subprocess.run([binary, "clients", "add", "--client-id", INTROSPECTION_CLIENT_ID, "--name", "interop resource server", "--json"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert client.returncode == 0, client.stderr
    registered = json.loads(client.stdout)
    resource_server.introspection_client = (registered["client_id"], registered["client_secret"])
    log = open(os.path.join(data_dir, "serve.log"), "w")
    process = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(issuer + "/healthz", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                log.close()
                raise RuntimeError("latchkey did not start:\n" + open(os.path.join(data_dir, "serve.log")).read())
            time.sleep(0.2)
    resource_server.issuer = issuer
    yield Latchkey(issuer, data_dir, process, resource_server.url)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


class Demo:
    def __init__(self, issuer: str, mcp_url: str, password: str, data_dir: str, upstream_url: str):
        self.issuer = issuer
        self.upstream_url = upstream_url
        self.mcp_url = mcp_url
        self.password = password
        self.data_dir = data_dir


UPSTREAM_TOKEN_LIFETIME = 10


@pytest.fixture(scope="session")
def documents():
    """An HTTPS server for client metadata documents, with its own CA (see document_server.py)."""
    from document_server import DocumentServer
    server = DocumentServer(tempfile.mkdtemp(prefix="latchkey-documents-"))
    yield server
    server.close()


@pytest.fixture(scope="session")
def demo(documents):
    """`latchkey demo` as a newcomer runs it: Latchkey and the demo MCP server, the password read from its output."""
    binary = latchkey_binary()
    data_dir = tempfile.mkdtemp(prefix="latchkey-demo-")
    port, mcp_port, upstream_port = free_port(), free_port(), free_port()
    log = open(os.path.join(data_dir, "demo.log"), "w")
    process = subprocess.Popen(
        [binary, "demo", "--port", str(port), "--mcp-port", str(mcp_port), "--upstream-port", str(upstream_port),
         "--data-dir", data_dir, "--log-level", "warning",
         # Demo Cloud's tokens live 10 s, so test_demo_upstream sees one expire and get refreshed.
         "--upstream-token-lifetime", str(UPSTREAM_TOKEN_LIFETIME),
         # Trust the document server's CA, so client metadata documents are fetched with full verification.
         "--egress-ca-file", documents.ca_file],
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    # Read the output on a thread (and keep draining it, so the demo never blocks on a full pipe); wait for the
    # password line with a deadline, so a demo that hangs before printing fails the fixture instead of the run.
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    password = None
    deadline = time.time() + 60
    while password is None and time.time() < deadline and process.poll() is None:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if "Sign in as" in line:
            password = line.split("demo / ", 1)[1].split()[0]
    issuer, mcp_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{mcp_port}/mcp"
    while True:
        try:
            urllib.request.urlopen(issuer + "/healthz", timeout=2).close()
            urllib.request.urlopen(f"http://127.0.0.1:{mcp_port}/.well-known/oauth-protected-resource/mcp", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                log.close()
                raise RuntimeError("latchkey demo did not start:\n" + open(os.path.join(data_dir, "demo.log")).read())
            time.sleep(0.2)
    assert password, "latchkey demo did not print the demo password"
    yield Demo(issuer, mcp_url, password, data_dir, f"http://127.0.0.1:{upstream_port}")
    process.send_signal(signal.SIGINT)  # Ctrl-C: both servers stop cleanly
    try:
        assert process.wait(timeout=20) == 0, "latchkey demo did not exit cleanly on SIGINT"
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
