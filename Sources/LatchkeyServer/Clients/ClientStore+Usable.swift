import LatchkeyCore

extension ClientStore {
    /// The client, or `nil` when there is none or (a URL client id) its metadata document can no longer be used:
    /// for the checks that a token's client still exists, and for showing a client's name. Store errors propagate.
    func usableClient(id: String) async throws -> RegisteredClient? {
        do {
            return try await client(id: id)
        } catch is ClientIDMetadataDocumentError {
            return nil
        }
    }
}
