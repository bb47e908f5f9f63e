import Foundation
import LatchkeyCore
import Testing

/// Validation relies on seeing the JSON type the client sent, never a coercion.
struct JSONValueTests {
    func decode(_ json: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    }

    @Test("distinguishes every JSON type", arguments: [
        ("null", JSONValue.null, "null"),
        ("true", .bool(true), "boolean"),
        ("false", .bool(false), "boolean"),
        ("0", .number(0), "number"),
        ("1", .number(1), "number"),
        ("-2.5e3", .number(-2500), "number"),
        (#""true""#, .string("true"), "string"),
        (#""1""#, .string("1"), "string"),
        (#""""#, .string(""), "string"),
        ("[]", .array([]), "array"),
        (#"[1, "a", null, false]"#, .array([.number(1), .string("a"), .null, .bool(false)]), "array"),
        ("{}", .object([:]), "object"),
        (#"{"a": {"b": [true]}, "c": null}"#, .object(["a": .object(["b": .array([.bool(true)])]), "c": .null]), "object"),
    ])
    func decodesTypes(json: String, expected: JSONValue, typeName: String) throws {
        let value = try decode(json)
        #expect(value == expected)
        #expect(value.typeName == typeName)
    }

    @Test("round-trips through encoding")
    func roundTrips() throws {
        let value = try decode(#"{"s": "x", "n": 3, "b": true, "z": null, "a": [1, [2]], "o": {"k": "v"}}"#)
        #expect(try decode(String(decoding: JSONEncoder().encode(value), as: UTF8.self)) == value)
    }

    @Test("rejects malformed JSON", arguments: ["", "{", "[1", "{'a': 1}", "nul", #"{"a" 1}"#, #"{"a": 1"#])
    func rejectsMalformed(json: String) {
        #expect(throws: (any Error).self) { try decode(json) }
    }
}
