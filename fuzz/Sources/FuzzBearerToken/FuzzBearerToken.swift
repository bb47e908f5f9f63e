import Dispatch
import Foundation
import FuzzSupport
import LatchkeyCore
import LatchkeyResource

/// What an MCP server does with an untrusted bearer token: `TokenVerifier.verify` (LatchkeyResource), with the keys
/// and metadata served from memory — the size cap, the header (base64url, nesting cap, `JSONDecoder`), algorithm,
/// `typ`, `kid`, the low-S check, jwt-kit's parse and ES256 verification, then `iss`, `aud` (each audience normalized
/// with `ResourceIndicator`), `exp` and `nbf`, and the verified-token cache. The key is the fuzz key of
/// `corpus/make-token-seeds` (whose signed tokens are seeds), so inputs near a valid token reach every check.
/// Property: a token that verifies names this resource and is unexpired at the fixed clock.

let issuer = "https://auth.example.com"
let resource = "https://mcp.example.com/mcp"
/// 2023-11-14T22:13:20Z, the seeds' issue time; they expire an hour later.
let now: Int64 = 1_700_000_000

/// The public half of the fuzz key; the seed script holds the private half.
let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","x":"-RoHDoxIo_2n98F-8k95NROuIO3mq_B58a2jXSWy1gs","y":"lK6wgzYLsX6js4w1T2KAYgedRZ0Y14z4KIo_xeZbEW8","kid":"fuzz-key-1","alg":"ES256","use":"sig"}]}"#

struct MemoryKeySource: KeySource {
    func fetch(_ url: String) async throws -> (body: Data, maxAge: Int?) {
        if url.hasSuffix("/.well-known/oauth-authorization-server") {
            return (Data(#"{"issuer":"\#(issuer)","jwks_uri":"\#(issuer)/jwks.json"}"#.utf8), 3600)
        }
        return (Data(jwks.utf8), 3600)
    }
}

let verifier = TokenVerifier(
    // A refetch for an unknown kid at most once a day: every input sees the same keys, and none waits on a fetch.
    configuration: try! .init(issuer: issuer, resource: resource, minimumRefetchInterval: .seconds(86_400)),
    source: MemoryKeySource(),
    now: { now }
)

final class Outcome: @unchecked Sendable {
    var token: VerifiedToken?
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Fuzz.run(start, count) { bytes in
        // A header value reaches the verifier as a String; HTTP headers are bytes, decoded leniently.
        let token = String(decoding: bytes, as: UTF8.self)
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        Task {
            outcome.token = try? await verifier.verify(token)
            done.signal()
        }
        done.wait()
        if let verified = outcome.token {
            Fuzz.invariant(verified.audience.contains { (try? ResourceIndicator($0).uri) == resource }, "a verified token is for another resource")
            Fuzz.invariant(verified.expiresAt + verifier.configuration.leeway > now, "a verified token has expired")
            Fuzz.invariant(verified.issuer == issuer, "a verified token has another issuer")
        }
    }
}
