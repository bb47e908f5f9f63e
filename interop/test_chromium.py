"""A real headless Chromium (Debian `chromium` + `chromium-driver`, driven by selenium) through Latchkey's pages:
log in, read the consent page, approve (the code exchanges for a token), deny, and a wrong password."""
import base64
import hashlib
import os
import secrets
import shutil
import time
import urllib.parse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD, USERNAME, post_form, post_json

REDIRECT = "http://127.0.0.1:9/callback"  # nothing listens: the browser's failed navigation still shows the URL


def chromium_paths() -> tuple[str, str]:
    browser = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER_BIN") or shutil.which("chromedriver")
    if not browser or not driver:
        message = "chromium and chromium-driver are not installed (sudo apt-get install -y chromium chromium-driver)"
        if os.environ.get("LATCHKEY_INTEROP") == "required":
            pytest.fail(message)
        pytest.skip(message)
    return browser, driver


@pytest.fixture
def chrome():
    browser, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def register(latchkey) -> str:
    client = post_json(latchkey.issuer + "/register", {
        "client_name": "Chromium Interop Client", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
    })
    return client["client_id"]


def authorize_url(latchkey, client_id: str) -> tuple[str, str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "code_challenge": challenge,
        "code_challenge_method": "S256", "state": state, "scope": "mcp:tools", "resource": latchkey.resource,
    })
    return f"{latchkey.issuer}/authorize?{query}", verifier, state


def wait_for(chrome, by, value):
    """The element once the page that has it has loaded (a click returns before the navigation it starts ends)."""
    return WebDriverWait(chrome, 20).until(expected_conditions.presence_of_element_located((by, value)))


def log_in(chrome, password: str):
    wait_for(chrome, By.ID, "password")
    chrome.find_element(By.ID, "username").send_keys(USERNAME)
    chrome.find_element(By.ID, "password").send_keys(password)
    chrome.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def wait_for_redirect(chrome) -> dict:
    deadline = time.time() + 20
    while time.time() < deadline:
        if chrome.current_url.startswith(REDIRECT):
            return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(chrome.current_url).query))
        time.sleep(0.1)
    raise AssertionError(f"no redirect to the client; at {chrome.current_url}:\n{chrome.page_source[:1500]}")


def test_login_consent_approve_and_exchange(latchkey, chrome):
    client_id = register(latchkey)
    url, verifier, state = authorize_url(latchkey, client_id)
    chrome.get(url)
    assert "Sign in" in chrome.title
    log_in(chrome, PASSWORD)
    # The consent page: who asks, where the code goes, for what, and who is signed in.
    assert wait_for(chrome, By.ID, "client-name").text == "Chromium Interop Client"
    assert chrome.find_element(By.ID, "redirect-host").text == "127.0.0.1:9"
    assert "unverified name" in chrome.page_source
    assert "mcp:tools" in chrome.page_source and "Interop MCP server" in chrome.page_source
    assert chrome.find_element(By.ID, "username").text == USERNAME
    # The stylesheet loaded under the CSP (a blocked stylesheet would leave the button unstyled).
    allow = chrome.find_element(By.CSS_SELECTOR, "button[value=approve]")
    assert allow.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    allow.click()
    result = wait_for_redirect(chrome)
    assert result["state"] == state and result["iss"] == latchkey.issuer
    status, token = post_form(latchkey.issuer + "/token", {
        "grant_type": "authorization_code", "code": result["code"], "redirect_uri": REDIRECT, "client_id": client_id,
        "code_verifier": verifier,
    })
    assert status == 200, token
    assert token["token_type"] == "Bearer" and token["refresh_token"]


def test_deny(latchkey, chrome):
    client_id = register(latchkey)
    url, _, state = authorize_url(latchkey, client_id)
    chrome.get(url)
    log_in(chrome, PASSWORD)
    wait_for(chrome, By.CSS_SELECTOR, "button[value=deny]").click()
    result = wait_for_redirect(chrome)
    assert result["error"] == "access_denied" and result["state"] == state and "code" not in result


def test_wrong_password(latchkey, chrome):
    client_id = register(latchkey)
    url, _, _ = authorize_url(latchkey, client_id)
    chrome.get(url)
    log_in(chrome, "not the password")
    assert "Incorrect username or password." in wait_for(chrome, By.CSS_SELECTOR, "[role=alert]").text
    assert not chrome.current_url.startswith(REDIRECT)
    assert chrome.get_cookie("latchkey-session") is None


def test_vault_connect_and_disconnect(demo, chrome):
    """`latchkey demo` as a newcomer clicks through it: Your connections, Connect Demo Cloud, Allow at Demo Cloud (the
    fake upstream on loopback), back connected as octocat; then Disconnect, which revokes the token at Demo Cloud."""
    chrome.get(demo.issuer + "/connections")
    wait_for(chrome, By.ID, "password")
    chrome.find_element(By.ID, "username").send_keys("demo")
    chrome.find_element(By.ID, "password").send_keys(demo.password)
    chrome.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    card = wait_for(chrome, By.ID, "provider-demo-cloud")
    assert "Not connected" in card.text
    card.find_element(By.LINK_TEXT, "Connect").click()
    # Latchkey's confirmation page, then its form posts and the browser follows the 303 to Demo Cloud.
    assert wait_for(chrome, By.ID, "username").text == "demo"
    chrome.find_element(By.XPATH, "//button[contains(., 'Continue to Demo Cloud')]").click()
    wait_for(chrome, By.XPATH, "//button[contains(., 'Allow')]").click()
    # Back on Latchkey: the callback stored the connection and sent the browser to Your connections.
    WebDriverWait(chrome, 20).until(lambda driver: "connected=demo-cloud" in driver.current_url)
    assert "Connected Demo Cloud." in wait_for(chrome, By.CSS_SELECTOR, "[role=status]").text
    assert chrome.find_element(By.CSS_SELECTOR, "#provider-demo-cloud .account").text == "octocat"
    chrome.find_element(By.XPATH, "//button[contains(., 'Disconnect Demo Cloud')]").click()
    WebDriverWait(chrome, 20).until(lambda driver: "disconnected=demo-cloud" in driver.current_url)
    assert "Disconnected Demo Cloud." in chrome.page_source
    assert "did not confirm" not in chrome.page_source  # Demo Cloud confirmed the revocation
    assert "Not connected" in chrome.find_element(By.ID, "provider-demo-cloud").text
