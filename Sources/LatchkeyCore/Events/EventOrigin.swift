/// Where a security event came from: the client address and the request id of the HTTP request that caused it, or
/// the operator's command line. Values only, shown in the audit trail and the user's account page.
public struct EventOrigin: Sendable, Equatable {
    /// The client's address as the server sees it (after `trusted-proxies`), or `operator` for a command.
    public var address: String?
    /// The request id (logged and returned with the response), so an audit row leads to the request's log lines.
    public var requestID: String?

    public init(address: String?, requestID: String?) {
        self.address = address
        self.requestID = requestID
    }

    /// Not known: a call site that has no request at hand.
    public static let unknown = EventOrigin(address: nil, requestID: nil)
    /// A `latchkey` command run by the operator.
    public static let operatorCommand = EventOrigin(address: "operator", requestID: nil)
}
