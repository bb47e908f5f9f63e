#!/usr/bin/env python3
"""Sets up the user-facing benchmarks: registers a public client, logs the user in, approves consent once, and
mints refresh tokens through the real code flow. Prints shell assignments for bench/run to eval.

    python3 bench/user_flow.py BASE USERNAME PASSWORD REFRESH_TOKENS_FILE COUNT [CLIENT_ID_URL]

With CLIENT_ID_URL the client is not registered: that URL (a client metadata document) is its client_id.
"""
import base64
import hashlib
import html
import http.client
import json
import re
import sys
import urllib.parse

base, username, password, tokens_file, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
document_client_id = sys.argv[6] if len(sys.argv) > 6 else None
url = urllib.parse.urlsplit(base)
REDIRECT = "http://127.0.0.1:1/callback"
VERIFIER = "bench-verifier-" + "x" * 40
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
cookies: dict[str, str] = {}


def request(method: str, path: str, body: str | None = None, content_type: str = "application/x-www-form-urlencoded"):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read().decode()
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";")[0]
    return response.status, response.headers, data


def field(page: str, name: str) -> str:
    match = re.search(r'name="%s" value="([^"]*)"' % name, page)
    if not match:
        sys.exit(f"error: no {name} field in:\n{page[:800]}")
    return html.unescape(match.group(1))


def fail(what: str, status: int, body: str):
    sys.exit(f"error: {what} answered HTTP {status}: {body[:300]}")


if document_client_id:
    client_id = document_client_id
else:
    status, _, body = request("POST", "/register", json.dumps({
        "client_name": "bench user client", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
    }), "application/json")
    if status != 201:
        fail("POST /register", status, body)
    client_id = json.loads(body)["client_id"]
authorize = "/authorize?" + urllib.parse.urlencode({
    "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "code_challenge": CHALLENGE,
    "code_challenge_method": "S256", "scope": "mcp:tools", "state": "bench",
})

status, _, page = request("GET", authorize)
status, headers, body = request("POST", "/login", urllib.parse.urlencode({
    "csrf_token": field(page, "csrf_token"), "return_to": field(page, "return_to"), "username": username, "password": password,
}))
if status != 303:
    fail("POST /login", status, body)
status, _, page = request("GET", authorize)
status, headers, body = request("POST", "/authorize/decision", urllib.parse.urlencode({
    "csrf_token": field(page, "csrf_token"), "request": field(page, "request"),
    "request_binding": field(page, "request_binding"), "decision": "approve",
}))
if status != 303:
    fail("POST /authorize/decision", status, body)

with open(tokens_file, "w") as out:
    for _ in range(count):
        status, headers, body = request("GET", authorize)
        if status != 302:
            fail("GET /authorize (remembered consent)", status, body)
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).query))["code"]
        status, _, body = request("POST", "/token", urllib.parse.urlencode({
            "grant_type": "authorization_code", "code": code, "client_id": client_id, "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        }))
        if status != 200:
            fail("POST /token (authorization_code)", status, body)
        out.write(json.loads(body)["refresh_token"] + "\n")

session = next(f"{k}={v}" for k, v in cookies.items() if "session" in k)
print(f"USER_CLIENT_ID='{client_id}'")
print(f"USER_SESSION_COOKIE='{session}'")
print(f"USER_AUTHORIZE_PATH='{authorize}'")
print(f"USER_VERIFIER={VERIFIER}")
print(f"USER_REDIRECT={REDIRECT}")
