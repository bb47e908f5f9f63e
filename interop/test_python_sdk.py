"""The Python MCP SDK's OAuthClientProvider against a running Latchkey: RFC 9728 → RFC 8414 discovery, RFC 7591
registration, authorize with PKCE (logged in and approved by a form-posting browser), token, refresh."""
import time

import anyio
import httpx2
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from conftest import PASSWORD, USERNAME, post_form
from form_browser import FormBrowser


class MemoryStorage:
    def __init__(self):
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info):
        self.client_info = client_info


def test_sdk_discovers_registers_authorizes_and_refreshes(latchkey, resource_server):
    browser = FormBrowser(latchkey.issuer)
    storage = MemoryStorage()
    redirect = {}

    async def redirect_handler(url: str) -> None:
        assert url.startswith(latchkey.issuer + "/authorize?")
        redirect.update(browser.authorize(url, USERNAME, PASSWORD))

    async def callback_handler() -> AuthorizationCodeResult:
        assert "code" in redirect, redirect
        return AuthorizationCodeResult(code=redirect["code"], state=redirect.get("state"), iss=redirect.get("iss"))

    provider = OAuthClientProvider(
        server_url=resource_server.url,
        client_metadata=OAuthClientMetadata(
            client_name="Python SDK interop", redirect_uris=["http://127.0.0.1:33418/callback"],
            grant_types=["authorization_code", "refresh_token"], response_types=["code"], token_endpoint_auth_method="none",
        ),
        storage=storage, redirect_handler=redirect_handler, callback_handler=callback_handler,
    )

    async def run():
        async with httpx2.AsyncClient(auth=provider, timeout=30) as client:
            first = await client.get(resource_server.url)
            assert first.status_code == 200, first.text
            assert first.json()["client_id"] == storage.client_info.client_id
            assert redirect["iss"] == latchkey.issuer
            first_tokens = storage.tokens
            assert first_tokens.refresh_token

            # Force expiry: the provider refreshes before the next request.
            provider.context.token_expiry_time = time.time() - 1
            second = await client.get(resource_server.url)
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
