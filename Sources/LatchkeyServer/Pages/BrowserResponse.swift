import Hummingbird
import LatchkeyCore

/// Small pieces the browser-facing controllers share.
enum BrowserResponse {
    static let startAgain = "Go back to the application and start again. If this keeps happening, the application's developer needs to fix its registration."

    /// The client's name as the login page shows it; a metadata document client's with the host that vouches for it.
    static func displayName(_ client: RegisteredClient) -> String {
        let identity = ClientIdentity(client, trustedHosts: [])
        return identity.documentHost.map { "\(identity.name) (from \($0))" } ?? identity.name
    }

    /// The host (with a non-default port) the browser will be sent to, or the scheme for app redirects.
    static func redirectHost(_ uri: String) -> String {
        if let (host, port) = URISyntax.hostAndPort(of: uri) {
            let shown = host.unicodeScalars.contains(":") ? "[\(host)]" : host
            return port.map { "\(shown):\($0)" } ?? shown
        }
        return uri.split(separator: ":", maxSplits: 1).first.map { "\($0): (an application on your device)" } ?? uri
    }

    static func redirect(_ location: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.location: location, .cacheControl: "no-store", .pragma: "no-cache"])
    }
}
