import FuzzSupport
import LatchkeyCore

/// A `private_key_jwt` client assertion (RFC 7523) as the token, introspection and revocation endpoints read it before
/// any key is looked up: `ClientCredentials` from the form (the size cap, the three parts, base64url, the nesting
/// cap, `JSONDecoder`, the claims' types), then `ClientAssertionPolicy.check` (algorithm, `crit`, `iss`/`sub`, `aud`,
/// `exp`/`nbf`/`iat` against a fixed clock, `jti`). Property: the signing input is the assertion's first two parts,
/// and `check` never accepts an assertion without a `jti` or one that lives longer than allowed.

let policy = ClientAssertionPolicy(issuer: try! Issuer("https://auth.example.com"))
/// 2023-11-14T22:13:20Z; the seeds expire a minute later.
let now: Int64 = 1_700_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Fuzz.run(start, count) { bytes in
        // A decoded form value: valid UTF-8.
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let form = FormParameters(["client_assertion_type": ClientAssertion.type, "client_assertion": text])
        guard case .jwtAssertion(let clientID, let assertion)? = try? ClientCredentials(authorization: nil, form: form) else { return }
        Fuzz.invariant(assertion.claims.subject == clientID, "the client is not the assertion's sub")
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        Fuzz.invariant(
            parts.count == 3 && assertion.signingInput.elementsEqual((parts[0] + "." + parts[1]).utf8),
            "the signing input is not the assertion's header and payload"
        )
        if let keepUntil = try? policy.check(assertion, now: now) {
            let claims = assertion.claims
            Fuzz.invariant(claims.tokenID.map { !$0.isEmpty } == true, "an assertion without a jti passed")
            Fuzz.invariant(
                keepUntil > now && keepUntil <= now + ClientAssertionPolicy.maxLifetime + 2 * ClientAssertionPolicy.leeway,
                "an assertion passed with a lifetime out of bounds"
            )
            Fuzz.invariant(ClientAssertionPolicy.algorithms.contains(assertion.header.alg) && !assertion.header.hasCritical, "a refused header passed")
        }
    }
}
