import Foundation
import Testing

/// docs/architecture.md's rooms table names exactly the targets of Package.swift, each with exactly its dependencies,
/// so the map a newcomer reads first cannot drift from the build.
struct ArchitectureDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Target name → dependency names (Latchkey targets and product names), for every non-test target.
    static func packageTargets() throws -> [String: Set<String>] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var targets: [String: Set<String>] = [:]
        // Each target declaration runs from `.target(` / `.executableTarget(` to the next declaration.
        let starts = try Regex(#"\.(target|executableTarget|testTarget)\(\s*name:\s*"([^"]+)""#)
        let matches = manifest.matches(of: starts)
        for (index, match) in matches.enumerated() {
            guard let kind = match.output[1].substring, kind != "testTarget", let name = match.output[2].substring else { continue }
            let end = index + 1 < matches.count ? matches[index + 1].range.lowerBound : manifest.endIndex
            let body = manifest[match.range.upperBound..<end]
            var dependencies: Set<String> = []
            if let list = body.range(of: "dependencies: [") {
                let rest = body[list.upperBound...]
                var depth = 1
                var cursor = rest.startIndex
                while cursor < rest.endIndex, depth > 0 {
                    if rest[cursor] == "[" { depth += 1 } else if rest[cursor] == "]" { depth -= 1 }
                    cursor = rest.index(after: cursor)
                }
                let text = rest[rest.startIndex..<cursor]
                for product in text.matches(of: try Regex(#"\.product\(name:\s*"([^"]+)""#)) {
                    if let value = product.output[1].substring { dependencies.insert(String(value)) }
                }
                let withoutProducts = text.replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
                for target in withoutProducts.matches(of: try Regex(#""([^"]+)""#)) {
                    if let value = target.output[1].substring { dependencies.insert(String(value)) }
                }
            }
            targets[String(name)] = dependencies
        }
        return targets
    }

    /// Target name → the backticked names in the "depends on" cell of the rooms table.
    static func documentedRooms() throws -> [String: Set<String>] {
        let doc = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        guard let start = doc.range(of: "## Rooms") else { return [:] }
        var rooms: [String: Set<String>] = [:]
        for line in doc[start.upperBound...].split(separator: "\n").drop(while: { !$0.hasPrefix("|") }).prefix(while: { $0.hasPrefix("|") }) {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, cells[1].hasPrefix("`"), cells[1].hasSuffix("`") else { continue }
            let name = String(cells[1].dropFirst().dropLast())
            let names = cells[3].matches(of: try Regex("`([^`]+)`")).compactMap { $0.output[1].substring.map(String.init) }
            rooms[name] = Set(names)
        }
        return rooms
    }

    @Test("the rooms table in docs/architecture.md names exactly Package.swift's targets and their dependencies")
    func roomsMatchPackage() throws {
        let targets = try Self.packageTargets()
        let rooms = try Self.documentedRooms()
        #expect(!targets.isEmpty)
        #expect(Set(rooms.keys) == Set(targets.keys), "targets in the table vs in Package.swift")
        for (name, dependencies) in targets {
            #expect(rooms[name] == dependencies, "the dependencies of \(name)")
        }
    }
}
