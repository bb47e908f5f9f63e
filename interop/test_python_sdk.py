"""The Python MCP SDK's OAuthClientProvider against a running Latchkey: RFC 9728 → RFC 8414 discovery, RFC 7591
registration, authorize with PKCE (logged in and approved by a form-posting browser), token, refresh."""
import time

import anyio
import httpx2

from conftest import PASSWORD, USERNAME, post_form
from sdk_client import BrowserDrivenClient


def test_sdk_discovers_registers_authorizes_and_refreshes(latchkey, resource_server):
    client = BrowserDrivenClient(latchkey.issuer, resource_server.url, USERNAME, PASSWORD, "Python SDK interop", 33418)
    provider, storage, redirect = client.provider, client.storage, client.redirect

    async def run():
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            first = await http.get(resource_server.url)
            assert first.status_code == 200, first.text
            assert first.json()["client_id"] == storage.client_info.client_id
            assert redirect["iss"] == latchkey.issuer
            first_tokens = storage.tokens
            assert first_tokens.refresh_token

            # Force expiry: the provider refreshes before the next request.
            provider.context.token_expiry_time = time.time() - 1
            second = await http.get(resource_server.url)
            assert second.status_code == 200, second.text
            assert storage.tokens.access_token != first_tokens.access_token
            assert storage.tokens.refresh_token != first_tokens.refresh_token  # rotated
            return first_tokens

    first_tokens = anyio.run(run)
    assert len(resource_server.seen_tokens) >= 2

    # The rotated-out refresh token is dead; replaying it outside the grace window would revoke the family,
    # inside it the duplicate is forgiven once. Either way it must not hand out a token twice more.
    client_id = storage.client_info.client_id
    replay = post_form(latchkey.issuer + "/token", {"grant_type": "refresh_token", "refresh_token": first_tokens.refresh_token, "client_id": client_id})
    again = post_form(latchkey.issuer + "/token", {"grant_type": "refresh_token", "refresh_token": first_tokens.refresh_token, "client_id": client_id})
    assert again[0] == 400 and again[1]["error"] == "invalid_grant", (replay, again)

    # Revocation (RFC 7009) of the current refresh token ends the family.
    status, _ = post_form(latchkey.issuer + "/revoke", {"token": storage.tokens.refresh_token, "client_id": client_id})
    assert status == 200
    status, body = post_form(latchkey.issuer + "/token", {"grant_type": "refresh_token", "refresh_token": storage.tokens.refresh_token, "client_id": client_id})
    assert status == 400 and body["error"] == "invalid_grant"
