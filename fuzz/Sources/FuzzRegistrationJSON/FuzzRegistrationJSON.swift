import Foundation
import FuzzSupport
import LatchkeyCore

/// A registration body (`POST /register`, `PUT /register/{id}`) and a client ID metadata document, through the steps
/// the server applies in its order (JSONBody, ClientRegistrationService, MetadataDocumentResolver): the size cap,
/// valid UTF-8, the nesting cap before any parser, `JSONDecoder` into `JSONValue`, then `ClientRegistrationPolicy`
/// (with its `ClientJWKSPolicy`), `ClientUpdatePolicy`, and `ClientIDMetadataDocument.metadata`. Property: metadata
/// that validated encodes (as it is stored) and decodes to itself.

/// `registration-max-body-bytes`' default.
let maxBodyBytes = 64 * 1024

/// As `LatchkeyConfiguration.registrationPolicy` builds it: open registration, and one with an allowlist and machine
/// clients (the operator's, or behind an initial access token).
let open = ClientRegistrationPolicy(supportedScopes: ["mcp:tools", "mcp:resources", "offline_access"])
let strict = ClientRegistrationPolicy(
    redirectURIs: RedirectURIPolicy(allowedHosts: ["app.example.com", ".example.org"]), supportedScopes: ["mcp:tools"],
    allowsClientCredentials: true, allowsLoopbackJWKSURI: true
)

let client = RegisteredClient(
    clientID: "c1",
    metadata: ClientMetadata(
        redirectURIs: ["https://app.example.com/cb"], tokenEndpointAuthMethod: .clientSecretBasic,
        grantTypes: [.authorizationCode, .refreshToken], responseTypes: ["code"], applicationType: .web, scope: nil
    ),
    secretHash: "h", secretExpiresAt: 0, registrationTokenHash: "t", issuedAt: 0, updatedAt: 0, kind: .dynamic, lastUsedAt: nil
)

let documentURL = "https://app.example.com/oauth/client.json"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Fuzz.run(start, count) { bytes in
        guard bytes.count <= maxBodyBytes, String(validating: bytes, as: UTF8.self) != nil else { return }
        let data = Data(bytes)
        // A registration body: nesting first (JSONNesting.defaultLimit), then the parser.
        if JSONNesting.isWithin(JSONNesting.defaultLimit, bytes), let body = try? JSONDecoder().decode(JSONValue.self, from: data) {
            for policy in [open, strict] {
                if let metadata = try? policy.validate(body) {
                    roundTrip(metadata)
                }
            }
            _ = try? ClientUpdatePolicy(registration: open).validate(body, of: client) { $0 == "s3cret" }
        }
        // A fetched metadata document: 5 KB, 8 levels (MetadataDocumentResolver), for a fixed URL.
        if bytes.count <= ClientIDMetadataDocument.maxDocumentBytes, JSONNesting.isWithin(8, bytes),
           let document = try? JSONDecoder().decode(JSONValue.self, from: data)
        {
            _ = try? ClientIDMetadataDocument.metadata(from: document, url: documentURL, policy: open)
            _ = try? ClientIDMetadataDocument.metadata(from: document, url: documentURL, policy: strict, allowsKeyBasedAuthentication: true)
        }
    }
}

/// Validated metadata is stored as JSON and read back for every request of the client: it must survive that.
func roundTrip(_ metadata: ClientMetadata) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // as SQLClientStore.encode
    guard let encoded = try? encoder.encode(metadata) else {
        Fuzz.invariant(false, "validated metadata does not encode")
        return
    }
    let decoded = try? JSONDecoder().decode(ClientMetadata.self, from: encoded)
    Fuzz.invariant(decoded == metadata, "validated metadata does not decode to itself")
}
