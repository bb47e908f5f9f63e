"""The whole MCP story against `latchkey demo`, with the Python MCP SDK as the client: a bare 401, RFC 9728 and
RFC 8414 discovery, RFC 7591 registration, authorize (a form-posting browser logs in and approves), token, tools,
forced expiry and refresh, then a scope step-up (403 insufficient_scope → re-authorization → success)."""
import time
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from sdk_client import BrowserDrivenClient


def text_of(result) -> str:
    return "\n".join(item.text for item in result.content if getattr(item, "type", None) == "text")


def test_python_sdk_against_latchkey_demo(demo):
    # A bare request first: what every client sees before it knows anything.
    bare = httpx2.post(demo.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert bare.status_code == 401
    assert f'resource_metadata="{demo.mcp_url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")}"' in bare.headers["www-authenticate"]

    client = BrowserDrivenClient(demo.issuer, demo.mcp_url, "demo", demo.password, "Python SDK demo run", 33419)
    provider, storage, redirect, authorizations = client.provider, client.storage, client.redirect, client.authorizations

    async def run():
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            async with streamable_http_client(demo.mcp_url, http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    assert len(authorizations) == 1
                    assert redirect["iss"] == demo.issuer
                    assert "demo:write" not in storage.tokens.scope.split()

                    tools = {tool.name for tool in (await session.list_tools()).tools}
                    assert {"whoami", "read_notes", "write_note"} <= tools

                    who = await session.call_tool("whoami", {})
                    assert not who.is_error
                    assert who.structured_content["client_id"] == storage.client_info.client_id
                    assert who.structured_content["audience"] == [demo.mcp_url]
                    assert "mcp:tools" in who.structured_content["scopes"]
                    subject = who.structured_content["subject"]

                    # Force expiry: the provider refreshes before the next request; no new authorization.
                    first = storage.tokens
                    assert first.refresh_token
                    provider.context.token_expiry_time = time.time() - 1
                    again = await session.call_tool("whoami", {})
                    assert again.structured_content["subject"] == subject
                    assert storage.tokens.access_token != first.access_token
                    assert storage.tokens.refresh_token != first.refresh_token
                    assert len(authorizations) == 1

                    # Step-up: write_note needs demo:write → 403 insufficient_scope → a second authorization
                    # asking for the union of scopes → the call goes through with the wider token.
                    wrote = await session.call_tool("write_note", {"text": "hello from the Python SDK"})
                    assert not wrote.is_error, text_of(wrote)
                    assert "Saved" in text_of(wrote)
                    assert len(authorizations) == 2
                    assert "demo:write" in parse_qs(urlsplit(authorizations[1]).query)["scope"][0].split()
                    assert {"mcp:tools", "demo:write"} <= set(storage.tokens.scope.split())
                    notes = await session.call_tool("read_notes", {})
                    assert "hello from the Python SDK" in text_of(notes)

    anyio.run(run)
