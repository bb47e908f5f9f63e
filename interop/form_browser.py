"""A form-posting browser over plain HTTP: what the Python SDK's redirect handler uses to log in and approve."""
import html
import re
import urllib.parse

import httpx2


def hidden(page: str, name: str) -> str:
    match = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    assert match, f"no field {name} in page:\n{page[:2000]}"
    return html.unescape(match.group(1))


class FormBrowser:
    def __init__(self, issuer: str):
        self.issuer = issuer
        self.client = httpx2.Client(follow_redirects=False, timeout=10)
        # Every consent page answered, for tests that check what the user was shown.
        self.pages: list[str] = []

    def absolute(self, location: str) -> str:
        return urllib.parse.urljoin(self.issuer + "/", location)

    def authorize(self, url: str, username: str, password: str, decision: str = "approve") -> dict:
        """Opens the authorize URL, logs in if asked, answers the consent page; returns the redirect's query."""
        response = self.client.get(url)
        if response.status_code == 200 and 'name="password"' in response.text:
            response = self.client.post(self.absolute("/login"), data={
                "csrf_token": hidden(response.text, "csrf_token"), "return_to": hidden(response.text, "return_to"),
                "username": username, "password": password,
            })
            assert response.status_code == 303, response.text
            response = self.client.get(self.absolute(response.headers["location"]))
        if response.status_code == 200:
            assert "Allow access?" in response.text, response.text
            self.pages.append(response.text)
            response = self.client.post(self.absolute("/authorize/decision"), data={
                "csrf_token": hidden(response.text, "csrf_token"), "request": hidden(response.text, "request"),
                "request_binding": hidden(response.text, "request_binding"), "decision": decision,
            })
        assert response.status_code in (302, 303), f"{response.status_code}: {response.text[:500]}"
        location = response.headers["location"]
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
