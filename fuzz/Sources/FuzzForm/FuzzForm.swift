import FuzzSupport
import LatchkeyCore

/// `application/x-www-form-urlencoded` bodies and `/authorize` queries, as the server reads them (FormBody,
/// AuthorizationService): UTF-8 first, then `FormParameters`, then what each endpoint makes of the parameters — the
/// client's credentials (Basic header, secret, assertion), the grant and its parameters, and a whole `/authorize`
/// request for a registered client. Properties: what `FormEncoding` writes parses back to the same values, and the
/// `prompt` rewrite keeps the query parseable.

let client = RegisteredClient(
    clientID: "c1",
    metadata: ClientMetadata(
        redirectURIs: ["http://127.0.0.1:33418/callback", "cursor://anysphere.cursor/cb", "https://app.example.com/cb"],
        tokenEndpointAuthMethod: .none, grantTypes: [.authorizationCode, .refreshToken], responseTypes: ["code"],
        applicationType: .native, scope: nil
    ),
    secretHash: nil, secretExpiresAt: 0, registrationTokenHash: "t", issuedAt: 0, updatedAt: 0, kind: .dynamic, lastUsedAt: nil
)

let validator: AuthorizationRequestValidator = {
    let issuer = try! Issuer("https://auth.example.com")
    let demo = try! ProtectedResource(uri: "https://mcp.example.com/mcp", name: "Demo", scopes: ["mcp:tools", "mcp:resources"], clientID: "rs")
    let other = try! ProtectedResource(uri: "http://127.0.0.1:8081/mcp", name: "Local", scopes: ["notes:read"])
    return AuthorizationRequestValidator(
        supportedScopes: ["mcp:tools", "mcp:resources", "mcp:prompts", "notes:read", "offline_access"],
        resources: try! ResourceRegistry(resources: [demo, other], defaultResource: nil, issuer: issuer)
    )
}()

/// The server's repeatable parameters (RFC 8707 `resource`).
let repeatable: Set<String> = ["resource"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Fuzz.run(start, count) { bytes in
        // FormBody: reject, never repair, invalid UTF-8.
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let query = Substring(text)
        let parses = (try? FormParameters.allValues(parsing: query)) != nil
        for rewrite in [PromptRewrite.removingLogin, PromptRewrite.addingLogin] {
            // The rewrite decodes only names and `prompt`; other values stay as they were, so only a query that
            // parsed must still parse.
            if let rewritten = try? rewrite(query), parses {
                Fuzz.invariant((try? FormParameters.allValues(parsing: Substring(rewritten))) != nil, "the prompt rewrite of a parseable query does not parse")
            }
        }
        _ = try? UpstreamCallback(query: query)
        guard let form = try? FormParameters(parsing: query, repeatable: repeatable) else { return }

        // What FormEncoding writes parses back to the same values, repeats kept in order.
        let pairs = form.values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            + form.lists.sorted { $0.key < $1.key }.flatMap { list in list.value.map { (list.key, $0) } }
        let reparsed = try? FormParameters(parsing: Substring(FormEncoding.encode(pairs)), repeatable: repeatable)
        Fuzz.invariant(reparsed == form, "FormEncoding.encode of a parsed form does not parse back to it")

        // The token, introspection and revocation endpoints: credentials (with the same text as a Basic header), grant.
        _ = try? ClientCredentials(authorization: nil, form: form)
        _ = try? ClientCredentials(authorization: "Basic " + text, form: form)
        _ = try? ClientCredentials(authorization: text, form: form)
        _ = try? TokenEndpointGrant(form: form)
        _ = try? RefreshTokenGrant.Request(form: form)
        _ = try? TokenExchangeGrant.parse(form)
        _ = try? Scope.parse(form["scope"])

        // `/authorize` for a registered client.
        var request = form
        if request["client_id"] == nil { request = FormParameters(form.values.merging(["client_id": "c1"]) { $1 }, lists: form.lists) }
        _ = validator.validate(request, client: client)
        if let sent = form["redirect_uri"] {
            for registered in client.metadata.redirectURIs { _ = AuthorizationRequestValidator.matches(sent, registered: registered) }
        }
    }
}
