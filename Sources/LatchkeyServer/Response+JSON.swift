import Foundation
import Hummingbird
import NIOFoundationEssentialsCompat

extension Response {
    /// A JSON body with `Cache-Control: no-store`: every OAuth response here may carry a secret (DESIGN §5).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: .jsonNoStore, body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }
}
