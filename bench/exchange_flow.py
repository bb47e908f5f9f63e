#!/usr/bin/env python3
"""Sets up the token-exchange benchmark (bench/run): signs the user in, connects the upstream provider through the
pages, and gets the user an access token for the MCP resource through the code flow. Prints shell assignments for
bench/run to eval.

    python3 bench/exchange_flow.py BASE USERNAME PASSWORD RESOURCE PROVIDER_ID

Steps, each checked (any unexpected status stops it with an `error:` line and the body):
1. Registers a public client, opens GET /authorize with resource=RESOURCE, signs in through the login form and
   approves the consent page; the code is exchanged at POST /token for the subject token (aud = RESOURCE).
2. Connects PROVIDER_ID: GET /connections/ID/connect (confirmation page) → POST with its csrf_token → 303 to the
   upstream's /authorize → 302 back to Latchkey's /connections/callback → 303 to /connections?connected=ID.
"""
import base64
import hashlib
import html
import http.client
import json
import re
import sys
import urllib.parse

base, username, password, resource, provider = sys.argv[1:6]
url = urllib.parse.urlsplit(base)
REDIRECT = "http://127.0.0.1:1/callback"
VERIFIER = "bench-verifier-" + "y" * 40
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
cookies: dict[str, str] = {}


def request(method: str, target: str, body: str | None = None, content_type: str = "application/x-www-form-urlencoded"):
    """`target` is a path on Latchkey or an absolute URL (the upstream); cookies go to Latchkey only."""
    parts = urllib.parse.urlsplit(target)
    host, port = (parts.hostname, parts.port) if parts.scheme else (url.hostname, url.port)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    connection = http.client.HTTPConnection(host, port, timeout=10)
    headers = {}
    to_latchkey = (host, port) == (url.hostname, url.port)
    if cookies and to_latchkey:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read().decode()
    if to_latchkey:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name] = rest.split(";")[0]
    return response.status, response.headers, data


def field(page: str, name: str) -> str:
    match = re.search(r'name="%s" value="([^"]*)"' % name, page)
    if not match:
        sys.exit(f"error: no {name} field in:\n{page[:800]}")
    return html.unescape(match.group(1))


def expect(what: str, status: int, wanted: int, body: str):
    if status != wanted:
        sys.exit(f"error: {what} answered HTTP {status} (expected {wanted}): {body[:400]}")


# 1. The subject token: a user's access token for the MCP resource.
status, _, body = request("POST", "/register", json.dumps({
    "client_name": "bench exchange user client", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
    "grant_types": ["authorization_code", "refresh_token"],
}), "application/json")
expect("POST /register", status, 201, body)
client_id = json.loads(body)["client_id"]
authorize = "/authorize?" + urllib.parse.urlencode({
    "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "code_challenge": CHALLENGE,
    "code_challenge_method": "S256", "scope": "mcp:tools", "state": "bench", "resource": resource,
})
status, _, page = request("GET", authorize)
status, _, body = request("POST", "/login", urllib.parse.urlencode({
    "csrf_token": field(page, "csrf_token"), "return_to": field(page, "return_to"), "username": username, "password": password,
}))
expect("POST /login", status, 303, body)
status, headers, page = request("GET", authorize)
if status == 200:   # consent not yet remembered for this client
    status, headers, body = request("POST", "/authorize/decision", urllib.parse.urlencode({
        "csrf_token": field(page, "csrf_token"), "request": field(page, "request"),
        "request_binding": field(page, "request_binding"), "decision": "approve",
    }))
    expect("POST /authorize/decision", status, 303, body)
    status, headers, body = request("GET", authorize)
expect("GET /authorize (after consent)", status, 302, "")
code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).query)).get("code")
if not code:
    sys.exit(f"error: GET /authorize redirected without a code: {headers['Location']}")
status, _, body = request("POST", "/token", urllib.parse.urlencode({
    "grant_type": "authorization_code", "code": code, "client_id": client_id, "redirect_uri": REDIRECT,
    "code_verifier": VERIFIER, "resource": resource,
}))
expect("POST /token (authorization_code)", status, 200, body)
subject_token = json.loads(body)["access_token"]

# 2. Connect the provider through the pages, as the user does in a browser.
status, _, page = request("GET", f"/connections/{provider}/connect")
expect(f"GET /connections/{provider}/connect", status, 200, page)
status, headers, body = request("POST", f"/connections/{provider}/connect", urllib.parse.urlencode({"csrf_token": field(page, "csrf_token")}))
expect(f"POST /connections/{provider}/connect", status, 303, body)
status, headers, body = request("GET", headers["Location"])   # the upstream's /authorize: approves at once
expect("the upstream's GET /authorize", status, 302, body)
status, headers, body = request("GET", headers["Location"])   # Latchkey's /connections/callback
expect("GET /connections/callback", status, 303, body)
if f"connected={provider}" not in headers.get("Location", ""):
    sys.exit(f"error: the callback did not connect {provider}: Location {headers.get('Location')}; {body[:400]}")

print(f"EXCHANGE_SUBJECT_TOKEN='{subject_token}'")
