import Hummingbird
import LatchkeyStore

/// `/healthz`: the process serves requests. `/readyz`: it can also reach its database.
struct HealthController<Context: RequestContext> {
    let database: LatchkeyDatabase

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/readyz") { _, _ in
            let ready = await database.ping()
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: ready ? #"{"status":"ready"}"# : #"{"status":"database unreachable"}"#))
            )
        }
    }
}
