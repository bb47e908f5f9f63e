"""Issue 13 §4 with a real client: the Python MCP SDK's `OAuthClientProvider` with `client_metadata_url` against
`latchkey demo`. The metadata says `client_id_metadata_document_supported: true`, so the SDK sends its document's
https URL as `client_id` and never registers; Latchkey fetches the document from a local HTTPS server (its CA
trusted through `--egress-ca-file`), shows the host on the consent page, issues tokens, and refreshes them."""
import time

import anyio
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from sdk_client import BrowserDrivenClient


def test_python_sdk_identifies_by_metadata_document(demo, documents):
    redirect_port = 33425
    url = documents.base + "/oauth/python-sdk-client.json"
    documents.publish("/oauth/python-sdk-client.json", {
        "client_id": url, "client_name": "Python SDK (metadata document)",
        "redirect_uris": [f"http://127.0.0.1:{redirect_port}/callback"],
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"], "token_endpoint_auth_method": "none",
    })
    metadata = httpx2.get(demo.issuer + "/.well-known/oauth-authorization-server").json()
    assert metadata["client_id_metadata_document_supported"] is True and "none" in metadata["token_endpoint_auth_methods_supported"]

    client = BrowserDrivenClient(demo.issuer, demo.mcp_url, "demo", demo.password, "Python SDK (metadata document)", redirect_port,
                                 client_metadata_url=url)
    provider, storage, authorizations = client.provider, client.storage, client.authorizations
    sent: list[str] = []

    async def record(request):
        sent.append(f"{request.method} {request.url}")

    async def run():
        async with httpx2.AsyncClient(auth=provider, timeout=30, event_hooks={"request": [record]}) as http:
            async with streamable_http_client(demo.mcp_url, http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    assert storage.client_info.client_id == url
                    who = await session.call_tool("whoami", {})
                    assert not who.is_error
                    assert who.structured_content["client_id"] == url

                    # Force expiry: the SDK refreshes with the URL as client_id.
                    first = storage.tokens
                    provider.context.token_expiry_time = time.time() - 1
                    again = await session.call_tool("whoami", {})
                    assert not again.is_error and again.structured_content["client_id"] == url
                    assert storage.tokens.refresh_token != first.refresh_token
                    assert len(authorizations) == 1

    anyio.run(run)
    # No registration was attempted, and Latchkey fetched the document (once: it is cached for its max-age).
    assert not [line for line in sent if "/register" in line], sent
    assert documents.requests.count("/oauth/python-sdk-client.json") == 1, documents.requests
    # The consent page named the document's host as the client's identity.
    host = documents.base.removeprefix("https://")
    assert f'id="client-host">{host}<' in client.browser.pages[0], client.browser.pages[0][:1000]
