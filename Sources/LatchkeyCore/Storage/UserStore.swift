/// Local user accounts.
public protocol UserStore: Sendable {
    /// Throws `UserError.exists` when the username is taken.
    func create(_ user: User) async throws
    func user(id: String) async throws -> User?
    func user(username: String) async throws -> User?
    func list() async throws -> [User]
    /// `false` when there is no such user.
    func setDisabled(username: String, _ disabled: Bool, now: Int64) async throws -> Bool
    func setPasswordHash(username: String, _ hash: String, now: Int64) async throws -> Bool
}
