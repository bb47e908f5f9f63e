/// RFC 7009 §2.1: who may revoke a token. A client may revoke only tokens issued to it; another client's token is
/// refused with `unauthorized_client` and left alone ("If this validation fails, the request is refused").
/// Unknown, malformed and expired tokens are not an error (§2.2), so they need no rule here.
public enum RevocationPolicy {
    public static let notYours = OAuthError(.unauthorizedClient, "The token was not issued to this client")

    public static func requireOwner(tokenClientID: String, caller: String) throws {
        guard tokenClientID == caller else { throw notYours }
    }
}
