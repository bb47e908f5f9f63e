"""Issue 12 §3 with a real client: the Python MCP SDK against `latchkey demo` calls `upstream_profile`, which the demo
MCP server answers with a token from Latchkey's vault (RFC 8693 token exchange). Not connected yet → `-32042` URL
elicitation to Latchkey's connect page → the form browser, signed in as the same user, connects Demo Cloud (the fake
upstream's consent form) → the retried call returns the profile → the upstream token expires and the next call
refreshes it once (Demo Cloud's `/stats` counts the refreshes) → disconnect on /connections → asked to connect again;
the link opened by another user is refused; a client without URL-mode elicitation gets a tool error with the link."""
import html
import os
import json
import re
import subprocess
import time
import urllib.request

import anyio
import httpx2
import mcp_types as types
from mcp import ClientSession, MCPError, UrlElicitationRequiredError
from mcp.client.streamable_http import streamable_http_client

from conftest import UPSTREAM_TOKEN_LIFETIME, latchkey_binary
from form_browser import FormBrowser, hidden
from sdk_client import BrowserDrivenClient

URL_ELICITATION_REQUIRED = -32042


def text_of(result) -> str:
    return "\n".join(item.text for item in result.content if getattr(item, "type", None) == "text")


async def accept(context, params):
    # URL-mode elicitation declared; the tool answers with the -32042 error, not a request, so this is not called.
    return types.ElicitResult(action="accept")


def upstream_stats(demo) -> dict:
    """Demo Cloud's counters (`GET /stats` on the fake): token requests by grant, API calls. Other tests share the
    demo (the Chromium run connects too), so compare before and after."""
    with urllib.request.urlopen(demo.upstream_url + "/stats", timeout=10) as answer:
        return json.load(answer)


def connect_link(demo) -> str:
    return f"{demo.issuer}/connections/demo-cloud/connect?for="


def connect_demo_cloud(browser: FormBrowser, link: str, demo) -> None:
    """The user at the browser: Latchkey's confirmation page, Continue, the fake's consent form, Allow, the callback."""
    page = browser.client.get(link)
    assert page.status_code == 200, page.text[:500]
    assert "Demo Cloud" in page.text
    action = html_action(page.text)
    started = browser.client.post(browser.absolute(action), data={"csrf_token": hidden(page.text, "csrf_token")})
    assert started.status_code == 303, started.text[:500]
    authorize = started.headers["location"]
    consent = browser.client.get(authorize)
    assert consent.status_code == 200 and 'value="allow"' in consent.text, consent.text[:500]
    form = re.search(r'<form method="post" action="/authorize">(.*?)</form>', consent.text).group(1)
    fields = {name: html.unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}
    assert fields["decision"] == "allow"
    upstream = authorize.split("/authorize?", 1)[0]
    back = browser.client.post(upstream + "/authorize", data=fields)
    assert back.status_code == 303, back.text[:500]
    callback = back.headers["location"]
    assert callback.startswith(demo.issuer + "/connections/callback?")
    done = browser.client.get(callback)
    assert done.status_code == 303 and "connected=demo-cloud" in done.headers["location"], done.text[:500]


def html_action(page: str) -> str:
    return html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))


def test_upstream_profile_through_url_elicitation(demo):
    client = BrowserDrivenClient(demo.issuer, demo.mcp_url, "demo", demo.password, "Python SDK upstream run", 33423)
    provider, browser = client.provider, client.browser

    async def call_expecting_elicitation(session) -> str:
        try:
            result = await session.call_tool("upstream_profile", {})
        except MCPError as error:
            assert error.error.code == URL_ELICITATION_REQUIRED, error.error
            elicitations = UrlElicitationRequiredError.from_error(error.error).elicitations
            assert len(elicitations) == 1 and elicitations[0].mode == "url"
            assert elicitations[0].elicitation_id
            return elicitations[0].url
        raise AssertionError(f"expected -32042, got a result: {text_of(result)}")

    async def run():
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            async with streamable_http_client(demo.mcp_url, http_client=http) as (read, write):
                async with ClientSession(read, write, elicitation_callback=accept) as session:
                    await session.initialize()
                    # Not connected yet: URL elicitation to Latchkey's connect page, bound to this user and client.
                    link = await call_expecting_elicitation(session)
                    assert link.startswith(connect_link(demo)), link

                    # Another signed-in user opening the same link is refused (the spec's phishing rule).
                    other = FormBrowser(demo.issuer)
                    login = other.client.get(demo.issuer + "/login?return_to=%2Faccount")
                    signed_in = other.client.post(demo.issuer + "/login", data={
                        "csrf_token": hidden(login.text, "csrf_token"), "return_to": "/account",
                        "username": "mallory", "password": "mallory password 123",
                    })
                    assert signed_in.status_code == 303, signed_in.text[:500]
                    assert other.client.get(link).status_code == 403

                    # The same user (the browser that consented) connects Demo Cloud; the retry gets the profile.
                    before = upstream_stats(demo)
                    connect_demo_cloud(browser, link, demo)
                    connected_at = time.monotonic()
                    profile = await session.call_tool("upstream_profile", {})
                    assert not profile.is_error, text_of(profile)
                    assert profile.structured_content["login"] == "octocat"
                    assert "octocat" in text_of(profile)
                    # The token the connect obtained served that call: nothing refreshed yet.
                    stats = upstream_stats(demo)
                    assert stats["authorization_code_grants"] == before["authorization_code_grants"] + 1, (before, stats)
                    assert stats["refresh_token_grants"] == before["refresh_token_grants"], (before, stats)

                    # The upstream token expires; the next call gets a refreshed one, refreshed once, and the calls
                    # right after it reuse it (the MCP server's cache and the vault's).
                    await anyio.sleep(max(0.0, connected_at + UPSTREAM_TOKEN_LIFETIME + 1 - time.monotonic()))
                    for _ in range(3):
                        again = await session.call_tool("upstream_profile", {})
                        assert not again.is_error and again.structured_content["login"] == "octocat", text_of(again)
                    stats = upstream_stats(demo)
                    assert stats["refresh_token_grants"] == before["refresh_token_grants"] + 1, (before, stats)

                    # Disconnect on /connections: Latchkey revokes at the upstream, and the next call asks again.
                    connections = browser.client.get(demo.issuer + "/connections")
                    disconnected = browser.client.post(demo.issuer + "/connections/demo-cloud/disconnect",
                                                       data={"csrf_token": hidden(connections.text, "csrf_token")})
                    assert disconnected.status_code == 303, disconnected.text[:500]
                    again = await call_expecting_elicitation(session)
                    assert again.startswith(connect_link(demo))

            # A session that did not declare URL-mode elicitation gets a tool error carrying the link.
            async with streamable_http_client(demo.mcp_url, http_client=http) as (read, write):
                async with ClientSession(read, write) as plain:
                    await plain.initialize()
                    fallback = await plain.call_tool("upstream_profile", {})
                    assert fallback.is_error
                    assert connect_link(demo) in text_of(fallback), text_of(fallback)

    # A second user, added as an operator would (`latchkey users add`), for the refused-link check.
    env = dict(os.environ, LATCHKEY_DATA_DIR=demo.data_dir, LATCHKEY_DEV="true")
    added = subprocess.run([latchkey_binary(), "users", "add", "mallory", "--password-stdin"], input="mallory password 123\n",
                           env=env, capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    anyio.run(run)
