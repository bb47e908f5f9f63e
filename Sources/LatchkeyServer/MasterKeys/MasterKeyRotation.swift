import LatchkeyCore
public import LatchkeyCrypto
public import LatchkeyStore

/// `latchkey master-key status` and `rotate`: every value sealed under the master key — signing keys, the vault's
/// upstream tokens, the stored pepper — counted by key version, and re-sealed under the current key.
///
/// Safe beside running servers and resumable: values are read in small batches, a value already under the current
/// key is skipped, and each write is conditional on the value being unchanged since it was read (compare-and-swap;
/// a value written meanwhile is read again). A value no held key opens is reported and left alone: the vault marks
/// such a connection `needs_reauth` when it is next read.
public struct MasterKeyRotation: Sendable {
    let database: LatchkeyDatabase
    let keys: MasterKeyRing
    let batchSize: Int

    public init(database: LatchkeyDatabase, keys: MasterKeyRing, batchSize: Int = 100) {
        self.database = database
        self.keys = keys
        self.batchSize = batchSize
    }

    /// What one kind of sealed value looks like; names and ids only, never contents.
    public struct Tally: Sendable, Equatable {
        public let name: String
        /// Values by the key version stamped on them (0: not a sealed value at all).
        public var versions: [Int: Int] = [:]
        public var resealed = 0
        /// Values that kept changing between read and write; running the rotation again picks them up.
        public var raced = 0
        /// Where the values that no held key opens are (a kid, a user and provider), never their contents.
        public var unreadable: [String] = []

        init(name: String) { self.name = name }
    }

    public struct Report: Sendable, Equatable {
        public let currentVersion: Int
        public let previousVersions: [Int]
        public var tallies: [Tally]

        /// Whether anything was left undone: a value that does not open, or one that kept changing.
        public var failed: Bool { tallies.contains { !$0.unreadable.isEmpty || $0.raced > 0 } }

        /// Values not yet under the current key.
        public var notCurrent: Int {
            tallies.reduce(0) { $0 + $1.versions.filter { $0.key != currentVersion }.values.reduce(0, +) }
        }

        /// How an operator reads a version: `current`, `previous`, `legacy` (sealed before versions were derived)
        /// or `unknown` (a key this server does not hold).
        public func label(_ version: Int) -> String {
            if version == currentVersion { return "current" }
            if previousVersions.contains(version) { return "previous" }
            if version == Sealer.legacyKeyVersion { return "legacy" }
            return "unknown"
        }
    }

    /// Counts the values by key version and opens each one, changing nothing.
    public func status() async throws -> Report {
        try await walk(rotate: false)
    }

    /// Re-seals every value not under the current key.
    public func rotate() async throws -> Report {
        try await walk(rotate: true)
    }

    /// One sealed column of a row.
    struct Field {
        let name: String
        let aad: String
        let sealed: String?
    }

    func walk(rotate: Bool) async throws -> Report {
        var report = Report(currentVersion: keys.current.version, previousVersions: keys.previous.map(\.version), tallies: [])

        let signingStore = SQLSigningKeyStore(database: database)
        var signing = Tally(name: "signing keys")
        let signingSealer = SigningKeys.makeSealer(keys)
        for key in try await signingStore.allKeys() {
            var current = key
            try await handle(
                label: "signing key \(key.kid)", tally: &signing, sealer: signingSealer, rotate: rotate,
                fields: { [Field(name: "private key", aad: SigningKeys.associatedData(kid: $0.kid), sealed: $0.sealedPrivateKey)] },
                row: &current,
                write: { row, values in
                    guard let new = values[0] else { return false }
                    return try await signingStore.replaceSealedPrivateKey(kid: row.kid, from: row.sealedPrivateKey, to: new)
                },
                reread: { row in try await signingStore.allKeys().first { $0.kid == row.kid } }
            )
        }
        report.tallies.append(signing)

        let vaultStore = SQLUpstreamCredentialStore(database: database)
        var vault = Tally(name: "upstream tokens")
        let vaultSealer = Sealer(keys: keys, purpose: .upstream)
        var last: StoredUpstreamCredential?
        while true {
            let page = try await vaultStore.page(after: last, limit: batchSize)
            for credential in page {
                var current = credential
                try await handle(
                    label: "user \(credential.userID) provider \(credential.providerID)", tally: &vault, sealer: vaultSealer, rotate: rotate,
                    fields: { row in
                        [
                            Field(name: VaultField.accessToken.rawValue, aad: VaultField.accessToken.associatedData(userID: row.userID, providerID: row.providerID), sealed: row.accessToken),
                            Field(name: VaultField.refreshToken.rawValue, aad: VaultField.refreshToken.associatedData(userID: row.userID, providerID: row.providerID), sealed: row.refreshToken),
                        ]
                    },
                    row: &current,
                    write: { row, values in try await vaultStore.replaceSealed(row, accessToken: values[0], refreshToken: values[1]) },
                    reread: { row in try await vaultStore.credential(userID: row.userID, providerID: row.providerID) }
                )
            }
            guard page.count == batchSize, let end = page.last else { break }
            last = end
        }
        report.tallies.append(vault)

        let secretStore = SQLServerSecretStore(database: database)
        var secrets = Tally(name: "server secrets")
        if var pepper = try await secretStore.sealedValue(named: ServerPepper.name) {
            try await handle(
                label: "server secret \(ServerPepper.name)", tally: &secrets, sealer: ServerPepper.sealer(keys), rotate: rotate,
                fields: { [Field(name: "value", aad: ServerPepper.associatedData, sealed: $0)] },
                row: &pepper,
                write: { old, values in
                    guard let new = values[0] else { return false }
                    return try await secretStore.replace(named: ServerPepper.name, from: old, to: new)
                },
                reread: { _ in try await secretStore.sealedValue(named: ServerPepper.name) }
            )
        }
        report.tallies.append(secrets)
        return report
    }

    /// Counts one row's sealed fields and, when rotating, re-seals those not under the current key with one
    /// conditional write; a row that changed meanwhile is read again (three tries). A row with a field that does
    /// not open is left alone.
    func handle<Row>(
        label: String, tally: inout Tally, sealer: Sealer, rotate: Bool,
        fields: (Row) -> [Field], row: inout Row,
        write: (Row, [String?]) async throws -> Bool,
        reread: (Row) async throws -> Row?
    ) async throws {
        for field in fields(row) {
            guard let sealed = field.sealed else { continue }
            tally.versions[Sealer.keyVersion(of: sealed) ?? 0, default: 0] += 1
        }
        for _ in 0..<3 {
            var values: [String?] = []
            var changed = 0
            var unreadable: [String] = []
            for field in fields(row) {
                guard let sealed = field.sealed else {
                    values.append(nil)
                    continue
                }
                do {
                    if rotate, let resealed = try sealer.reseal(sealed, aad: field.aad) {
                        values.append(resealed)
                        changed += 1
                    } else {
                        if !rotate { _ = try sealer.open(sealed, aad: field.aad) }
                        values.append(sealed)
                    }
                } catch is SealerError {
                    unreadable.append("\(label) \(field.name)")
                    values.append(sealed)
                }
            }
            guard unreadable.isEmpty else {
                tally.unreadable += unreadable
                return
            }
            guard changed > 0 else { return }
            if try await write(row, values) {
                tally.resealed += changed
                return
            }
            guard let fresh = try await reread(row) else { return }
            row = fresh
        }
        tally.raced += 1
    }
}
