import LatchkeyCore
import LatchkeyStore
import Testing

struct SQLUserStoreTests {
    static func user(_ name: String, id: String? = nil) -> User {
        User(id: id ?? "id-\(name)", username: name, passwordHash: "$2b$04$hash", disabled: false, createdAt: 1, updatedAt: 1)
    }

    @Test("creates users with unique names, finds them by id and name, disables and re-enables", arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLUserStore(database: databases[0])
            try await store.create(Self.user("alice"))
            await #expect(throws: UserError.exists("alice")) { try await store.create(Self.user("alice", id: "other")) }
            #expect(try await store.user(username: "alice")?.id == "id-alice")
            #expect(try await store.user(id: "id-alice")?.username == "alice")
            #expect(try await store.user(username: "bob") == nil)
            #expect(try await store.setDisabled(username: "alice", true, now: 5))
            #expect(try await store.user(username: "alice")?.disabled == true)
            #expect(try await store.setDisabled(username: "alice", false, now: 6))
            #expect(try await store.user(username: "alice")?.disabled == false)
            #expect(try await !store.setDisabled(username: "nobody", true, now: 5))
            #expect(try await store.setPasswordHash(username: "alice", "$2b$04$new", now: 7))
            #expect(try await store.user(username: "alice")?.passwordHash == "$2b$04$new")
            try await store.create(Self.user("bob"))
            #expect(try await store.list().map(\.username) == ["alice", "bob"])
        }
    }
}
