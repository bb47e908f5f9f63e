import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif
import Synchronization

/// Stands in for the TLS-terminating reverse proxy a deployment puts in front of Latchkey and its MCP servers.
///
/// The Swift MCP SDK refuses an authorization server that is not `https` (only the SDK's own package may relax that),
/// and FoundationNetworking on Linux cannot be told to trust a test certificate. So the SDK's `URLSession` gets this
/// protocol: it answers `https://<name>/…` for the names a test maps, by sending the same request over plain HTTP
/// to the loopback port the name maps to — what nginx would do after TLS — and returning the answer as is.
public final class LoopbackProxyProtocol: URLProtocol {
    /// Host name → loopback port. Each test maps names of its own, so tests running side by side do not meet.
    static let routes = Mutex<[String: Int]>([:])
    static let upstream = URLSession(configuration: .ephemeral)

    /// A session configuration whose `https` requests to mapped names go through the proxy.
    public static func sessionConfiguration() -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [LoopbackProxyProtocol.self]
        return configuration
    }

    public static func map(_ host: String, to port: Int) { routes.withLock { $0[host] = port } }
    public static func unmap(_ hosts: [String]) { routes.withLock { routes in hosts.forEach { routes[$0] = nil } } }

    public override class func canInit(with request: URLRequest) -> Bool {
        guard request.url?.scheme == "https", let host = request.url?.host else { return false }
        return routes.withLock { $0[host] != nil }
    }

    public override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    public override func startLoading() {
        let original = request
        guard let url = original.url, let host = url.host, let port = Self.routes.withLock({ $0[host] }),
              var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            client?.urlProtocol(self, didFailWithError: URLError(.cannotFindHost))
            return
        }
        components.scheme = "http"
        components.host = "localhost"
        components.port = port
        var forward = URLRequest(url: components.url!)
        forward.httpMethod = original.httpMethod
        forward.allHTTPHeaderFields = original.allHTTPHeaderFields
        forward.setValue(host, forHTTPHeaderField: "Host")
        forward.httpBody = original.httpBody ?? original.httpBodyStream.map(Self.read)
        // URLProtocol is not Sendable on Linux; URLSession lets `client` be called from any thread.
        let target = UncheckedSendable(value: self)
        // The relay starts outside URLSession's own queues: FoundationNetworking traps on a task started, or a
        // protocol client called, from inside another session's callbacks.
        let relayed = forward
        DispatchQueue.global().async {
            Self.upstream.dataTask(with: relayed) { data, response, error in
                DispatchQueue.global().async {
                    let proxy = target.value
                    guard let http = response as? HTTPURLResponse,
                          let answer = HTTPURLResponse(url: url, statusCode: http.statusCode, httpVersion: "HTTP/1.1", headerFields: http.allHeaderFields as? [String: String])
                    else {
                        proxy.client?.urlProtocol(proxy, didFailWithError: error ?? URLError(.badServerResponse))
                        return
                    }
                    proxy.client?.urlProtocol(proxy, didReceive: answer, cacheStoragePolicy: .notAllowed)
                    proxy.client?.urlProtocol(proxy, didLoad: data ?? Data())
                    proxy.client?.urlProtocolDidFinishLoading(proxy)
                }
            }.resume()
        }
    }

    public override func stopLoading() {}

    static func read(_ stream: InputStream) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        stream.open()
        defer { stream.close() }
        while stream.hasBytesAvailable {
            let count = stream.read(&buffer, maxLength: buffer.count)
            guard count > 0 else { break }
            data.append(buffer, count: count)
        }
        return data
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
