"""The Python MCP SDK's OAuth client wired to a FormBrowser: what both SDK tests build."""
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

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


class BrowserDrivenClient:
    """An `OAuthClientProvider` for `server_url` whose browser step signs in as `username` and approves.

    `authorizations` lists every authorization URL the SDK opened; `redirect` is the last redirect's query. With
    `client_metadata_url` the SDK identifies itself by that URL (a Client ID Metadata Document) when the server
    advertises support, instead of registering."""

    def __init__(self, issuer: str, server_url: str, username: str, password: str, client_name: str, redirect_port: int,
                 client_metadata_url: str | None = None):
        self.browser = FormBrowser(issuer)
        self.storage = MemoryStorage()
        self.redirect: dict = {}
        self.authorizations: list[str] = []

        async def redirect_handler(url: str) -> None:
            assert url.startswith(issuer + "/authorize?")
            self.authorizations.append(url)
            self.redirect.clear()
            self.redirect.update(self.browser.authorize(url, username, password))

        async def callback_handler() -> AuthorizationCodeResult:
            assert "code" in self.redirect, self.redirect
            return AuthorizationCodeResult(code=self.redirect["code"], state=self.redirect.get("state"), iss=self.redirect.get("iss"))

        self.provider = OAuthClientProvider(
            server_url=server_url,
            client_metadata=OAuthClientMetadata(
                client_name=client_name, redirect_uris=[f"http://127.0.0.1:{redirect_port}/callback"],
                grant_types=["authorization_code", "refresh_token"], response_types=["code"], token_endpoint_auth_method="none",
            ),
            storage=self.storage, redirect_handler=redirect_handler, callback_handler=callback_handler,
            client_metadata_url=client_metadata_url,
        )
