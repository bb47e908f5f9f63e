/// A remembered approval: this user let this client act at this audience with these scopes.
public struct Consent: Sendable, Equatable {
    public var userID: String
    public var clientID: String
    /// The normalized resource URIs, in request order.
    public var audience: [String]
    public var scopes: [String]
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(userID: String, clientID: String, audience: [String], scopes: [String], createdAt: Int64, updatedAt: Int64) {
        self.userID = userID
        self.clientID = clientID
        self.audience = audience
        self.scopes = scopes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The key a consent is stored under: the audience as a set, so request order does not matter.
    public static func audienceKey(_ audience: [String]) -> String {
        audience.sorted().joined(separator: " ")
    }

    /// A later request for the same or fewer scopes at the same audience needs no new approval.
    public func covers(_ requested: [String]) -> Bool {
        requested.allSatisfy(scopes.contains)
    }
}
