public import Hummingbird
public import LatchkeyResource

/// The demo's request context: Hummingbird's basic context plus the verified token.
public struct DemoRequestContext: BearerTokenRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var accessToken: VerifiedToken?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.accessToken = nil
    }
}
