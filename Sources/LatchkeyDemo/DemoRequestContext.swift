public import Hummingbird
public import LatchkeyResource

/// The demo's request context: Hummingbird's basic context plus the verified token, and the raw token for
/// `upstream_profile`'s token exchange.
public struct DemoRequestContext: BearerTokenRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var accessToken: VerifiedToken?
    public var bearerToken: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.accessToken = nil
        self.bearerToken = nil
    }
}
