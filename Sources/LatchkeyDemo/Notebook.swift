import Synchronization

/// The demo's one piece of state: short notes per user, in memory, bounded so the demo cannot be made to grow.
public final class Notebook: Sendable {
    public static let maxNotesPerUser = 100
    public static let maxNoteLength = 500
    public static let maxUsers = 10_000

    let notes = Mutex<[String: [String]]>([:])

    public init() {}

    /// Adds `text` (trimmed to `maxNoteLength`) to `subject`'s notes, dropping the oldest past the limit; returns how
    /// many notes `subject` now has.
    public func add(_ text: String, for subject: String) -> Int {
        notes.withLock { notes in
            if notes[subject] == nil, notes.count >= Self.maxUsers { notes.removeAll() }
            var list = notes[subject, default: []]
            list.append(String(text.prefix(Self.maxNoteLength)))
            if list.count > Self.maxNotesPerUser { list.removeFirst(list.count - Self.maxNotesPerUser) }
            notes[subject] = list
            return list.count
        }
    }

    public func notes(for subject: String) -> [String] {
        notes.withLock { $0[subject] ?? [] }
    }
}
