"""The Python MCP SDK's PrivateKeyJWTOAuthProvider (SEP-1046: client_credentials with private_key_jwt, no secret
anywhere) against a running Latchkey: the operator adds the machine client with `latchkey clients add --jwks-file`,
the SDK discovers the authorization server through the resource's RFC 9728 metadata, signs an RS256 assertion with
`SignedJWTParameters`, gets a token and calls the resource with it. A captured assertion is refused the second time."""
import base64
import json
import os
import subprocess

import anyio
import httpx2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from mcp.client.auth.extensions.client_credentials import PrivateKeyJWTOAuthProvider, SignedJWTParameters

from conftest import latchkey_binary, post_form
from sdk_client import MemoryStorage

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def add_machine_client(latchkey, tmp_path, name: str, jwk: dict) -> str:
    jwks_file = tmp_path / f"{name}.jwks.json"
    jwks_file.write_text(json.dumps({"keys": [jwk]}))
    env = dict(os.environ, LATCHKEY_DATA_DIR=latchkey.data_dir, LATCHKEY_LOG_LEVEL="warning")
    added = subprocess.run([latchkey_binary(), "clients", "add", "--name", name, "--jwks-file", str(jwks_file), "--json"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    registered = json.loads(added.stdout)
    assert "client_secret" not in registered
    return registered["client_id"]


def test_sdk_private_key_jwt_client_credentials(latchkey, resource_server, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    client_id = add_machine_client(latchkey, tmp_path, "sdk machine client",
                                   {"kty": "RSA", "n": b64url_uint(numbers.n), "e": b64url_uint(numbers.e), "use": "sig"})
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    signed = SignedJWTParameters(issuer=client_id, subject=client_id, signing_key=pem).create_assertion_provider()
    assertions: list[str] = []

    async def recording(audience: str) -> str:
        assertion = await signed(audience)
        assertions.append(assertion)
        return assertion

    storage = MemoryStorage()
    provider = PrivateKeyJWTOAuthProvider(
        server_url=resource_server.url, storage=storage, client_id=client_id, assertion_provider=recording,
        scope="mcp:tools", issuer=latchkey.issuer,
    )

    async def run():
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            response = await http.get(resource_server.url)
            assert response.status_code == 200, response.text
            return response.json()

    seen = anyio.run(run)
    # A machine token: the client is its own subject.
    assert seen["client_id"] == client_id and seen["sub"] == client_id
    assert seen["scope"] == "mcp:tools"
    assert storage.tokens.access_token in resource_server.seen_tokens
    assert storage.tokens.refresh_token is None

    # The assertion the SDK sent is single use: replaying it is invalid_client.
    assert len(assertions) == 1
    status, body = post_form(latchkey.issuer + "/token", {
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertions[0],
    })
    assert status == 401 and body["error"] == "invalid_client", body


def test_es256_assertion_and_refusals(latchkey, resource_server, tmp_path):
    """ES256 through the SDK's signer too; an assertion signed by a key the client did not register, or signed with
    HS256, gets invalid_client."""
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    client_id = add_machine_client(latchkey, tmp_path, "es256 machine client", {
        "kty": "EC", "crv": "P-256", "kid": "es-1",
        "x": base64.urlsafe_b64encode(numbers.x.to_bytes(32, "big")).rstrip(b"=").decode(),
        "y": base64.urlsafe_b64encode(numbers.y.to_bytes(32, "big")).rstrip(b"=").decode(),
    })

    def assertion(signing_key, algorithm: str = "ES256") -> str:
        pem = signing_key if isinstance(signing_key, str) else signing_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
        provider = SignedJWTParameters(issuer=client_id, subject=client_id, signing_key=pem, signing_algorithm=algorithm).create_assertion_provider()
        return anyio.run(provider, latchkey.issuer)

    def token(client_assertion: str):
        return post_form(latchkey.issuer + "/token", {
            "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": client_assertion,
            "resource": resource_server.url,
        })

    status, body = token(assertion(key))
    assert status == 200, body
    status, body = token(assertion(ec.generate_private_key(ec.SECP256R1())))
    assert status == 401 and body["error"] == "invalid_client", body
    status, body = token(assertion("a-shared-secret-of-at-least-32-bytes!!", "HS256"))
    assert status == 401 and body["error"] == "invalid_client", body
