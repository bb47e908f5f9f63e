/// Signing keys shared by every instance on one database.
public protocol SigningKeyStore: Sendable {
    func allKeys() async throws -> [StoredSigningKey]
    /// Inserts the first `active` and `next` keys unless another instance already did;
    /// returns whether these keys were the ones stored.
    func initialize(active: StoredSigningKey, next: StoredSigningKey) async throws -> Bool
    /// Atomically: the active key retires (published until `retiredPublishUntil`), the next key
    /// becomes active, `newNext` is stored as next, and retired keys past their publication are removed.
    func rotate(newNext: StoredSigningKey, now: Int64, retiredPublishUntil: Int64) async throws
}
