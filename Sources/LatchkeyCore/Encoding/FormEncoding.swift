/// `application/x-www-form-urlencoded` and query strings as Latchkey writes them: every byte but RFC 3986's
/// unreserved characters is percent-encoded, so a `+`, `&` or `=` in a value can never change what is sent.
public enum FormEncoding {
    /// `value` with every byte outside `A–Z a–z 0–9 - . _ ~` percent-encoded.
    public static func encode(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `name=value&…` in the given order.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte)
            || byte == 45 || byte == 46 || byte == 95 || byte == 126
    }
}
