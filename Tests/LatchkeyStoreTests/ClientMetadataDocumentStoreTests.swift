import LatchkeyCore
import LatchkeyStore
import Testing

/// Fetched client metadata documents, on every engine: upserted by URL, listed in order, pruned past their stale window.
struct ClientMetadataDocumentStoreTests {
    static func document(_ url: String, body: String = "{}", staleUntil: Int64 = 1_000) -> CachedMetadataDocument {
        CachedMetadataDocument(url: url, body: body, etag: #""e""#, lastModified: nil, fetchedAt: 1, freshUntil: 10, staleUntil: staleUntil)
    }

    @Test("save replaces by URL; list pages in URL order; delete and prune remove exactly what they say", arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { databases in
            let store = SQLClientMetadataDocumentStore(database: databases[0])
            try await store.save(Self.document("https://b.example/c"))
            try await store.save(Self.document("https://a.example/c", staleUntil: 50))
            try await store.save(Self.document("https://b.example/c", body: #"{"v":2}"#))
            // The other instance sees the same rows.
            #expect(try await SQLClientMetadataDocumentStore(database: databases[1]).document(url: "https://b.example/c")?.body == #"{"v":2}"#)
            #expect(try await store.list(after: nil, limit: 10).map(\.url) == ["https://a.example/c", "https://b.example/c"])
            #expect(try await store.list(after: "https://a.example/c", limit: 10).map(\.url) == ["https://b.example/c"])
            #expect(try await store.deleteUnusable(now: 100, limit: 500) == 1)
            #expect(try await store.document(url: "https://a.example/c") == nil)
            // Trim keeps the most recently fetched.
            for index in 0..<5 {
                var entry = Self.document("https://t.example/\(index)")
                entry.fetchedAt = Int64(100 + index)
                try await store.save(entry)
            }
            #expect(try await store.trim(keeping: 3, limit: 500) == 3)
            #expect(try await store.list(after: nil, limit: 10).map(\.url) == ["https://t.example/2", "https://t.example/3", "https://t.example/4"])
            try await store.save(Self.document("https://b.example/c"))
            #expect(try await store.delete(url: "https://b.example/c"))
            #expect(try await !store.delete(url: "https://b.example/c"))
        }
    }
}
