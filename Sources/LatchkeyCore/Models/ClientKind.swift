/// How a client came to be in the registry, which decides whether the registry may remove it (`ClientRetention`).
public enum ClientKind: String, Sendable, Equatable, CaseIterable {
    /// Registered itself by RFC 7591 `POST /register`; removed once unused or idle.
    case dynamic = "dcr"
    /// Added by the operator (`latchkey clients add`); never removed but by the operator.
    case operatorAdded = "operator"
    /// Identified by a URL whose metadata document Latchkey fetched (CIMD); never a row of the registry.
    case metadataDocument = "cimd"
}
