import AsyncHTTPClient
import Foundation
public import LatchkeyCore
public import NIOCore
public import NIOHTTP1
import NIOPosix
import NIOSSL

/// The only code in the server that calls out (DESIGN §2). Every call:
///
/// - goes to `https` only (`http` only under `egress-allow-loopback`, for development and tests);
/// - resolves the host once, checks every address against `EgressAddressPolicy`, and connects to the address it
///   checked (AsyncHTTPClient's `dnsOverride` pins it; TLS still verifies the certificate for the name), so a DNS
///   answer that changes between check and connect cannot move the call;
/// - never follows a redirect: a 3xx is an error and nothing is sent anywhere else;
/// - has connect and read timeouts and a cap on the response body.
public struct EgressClient: Sendable {
    public struct Configuration: Sendable {
        public var policy: EgressAddressPolicy
        public var connectTimeout: TimeAmount
        /// Per read: a server that stops sending mid-answer is given up on.
        public var readTimeout: TimeAmount
        /// The whole exchange, from connect to the last byte.
        public var deadline: TimeAmount
        public var maxResponseBytes: Int
        /// A PEM file of CA certificates trusted besides the system's (an internal CA; tests).
        public var additionalTrustRootsFile: String?

        public init(
            policy: EgressAddressPolicy, connectTimeout: TimeAmount = .seconds(5), readTimeout: TimeAmount = .seconds(10),
            deadline: TimeAmount = .seconds(20), maxResponseBytes: Int = 256 * 1024, additionalTrustRootsFile: String? = nil
        ) {
            self.policy = policy
            self.additionalTrustRootsFile = additionalTrustRootsFile
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.deadline = deadline
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public struct Request: Sendable {
        public var method: HTTPMethod
        public var url: String
        public var headers: [(String, String)]
        public var body: ByteBuffer?

        public init(method: HTTPMethod = .GET, url: String, headers: [(String, String)] = [], body: ByteBuffer? = nil) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: ByteBuffer

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public let configuration: Configuration
    let resolver: any HostResolver
    let metrics: EgressMetrics

    public init(configuration: Configuration, resolver: any HostResolver = SystemResolver(), metrics: EgressMetrics = .disabled) {
        self.configuration = configuration
        self.resolver = resolver
        self.metrics = metrics
    }

    /// Where a URL may be fetched from: its host and the checked address to connect to.
    public struct Target: Sendable, Equatable {
        public var host: String
        public var address: IPAddress

        public init(host: String, address: IPAddress) {
            self.host = host
            self.address = address
        }
    }

    /// Checks the URL and resolves its host, without connecting: the decision `send` acts on.
    public func target(of url: String) async throws -> Target {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              var host = components.host, !host.isEmpty
        else { throw EgressError.invalidURL }
        guard scheme == "https" || (scheme == "http" && configuration.policy.allowsLoopback) else {
            throw EgressError.schemeNotAllowed(scheme)
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let policy = configuration.policy
        if let literal = IPAddress(host) {
            if let refusal = policy.check(literal) { throw refused(host, refusal) }
            return Target(host: host, address: literal)
        }
        if let refusal = policy.check(host: host) { throw refused(host, refusal) }
        let addresses = try await resolver.addresses(of: host)
        // Every answer must pass: a name that also resolves somewhere refused is refused as a whole.
        for address in addresses {
            if let refusal = policy.check(address) { throw refused(host, refusal) }
        }
        guard let first = addresses.first else { throw EgressError.unresolvable(host: host) }
        return Target(host: host, address: first)
    }

    /// The error for a refused address, counted with its class (the error itself carries only the description).
    func refused(_ host: String, _ refusal: EgressAddressPolicy.Refusal) -> EgressError {
        metrics.refused(refusal)
        return EgressError.refused(host: host, reason: refusal.description)
    }

    /// Sends `request`; the whole call — resolution, connection, answer and body — ends within `deadline`
    /// (AsyncHTTPClient's own deadline stops at the response head, so a body trickled a byte at a time would not).
    public func send(_ request: Request) async throws -> Response {
        do {
            return try await sendWithinDeadline(request)
        } catch let error as EgressError {
            metrics.record(error)
            throw error
        }
    }

    func sendWithinDeadline(_ request: Request) async throws -> Response {
        let limit = configuration.deadline
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await sendUnbounded(request) }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(limit.nanoseconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else { throw EgressError.timedOut }
            return response
        }
    }

    func sendUnbounded(_ request: Request) async throws -> Response {
        let target = try await target(of: request.url)
        var tls = TLSConfiguration.makeClientConfiguration()
        // Tokens and client secrets cross this connection: nothing older than TLS 1.2, certificates always verified.
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        if let file = configuration.additionalTrustRootsFile { tls.additionalTrustRoots = [.file(file)] }
        var client = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: configuration.connectTimeout, read: configuration.readTimeout)
        )
        if IPAddress(target.host) == nil {
            client.dnsOverride = [target.host: target.address.description]
        }
        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: client)
        do {
            let response = try await exchange(request, to: target, on: http)
            try await http.shutdown()
            return response
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    func exchange(_ request: Request, to target: Target, on http: HTTPClient) async throws -> Response {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(body) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(outgoing, timeout: configuration.deadline)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw EgressError.timedOut
        } catch is HTTPClientError {
            throw EgressError.connectionFailed(host: target.host)
        }
        let status = Int(response.status.code)
        // 304 Not Modified answers a conditional request (it goes nowhere else); to any other request it is a 3xx.
        let conditional = request.headers.contains { ["if-none-match", "if-modified-since"].contains($0.0.lowercased()) }
        if (300..<400).contains(status), !(status == 304 && conditional) { throw EgressError.redirected(status: status) }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw EgressError.responseTooLarge(limit: configuration.maxResponseBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw EgressError.timedOut
        }
        return Response(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: body)
    }
}
