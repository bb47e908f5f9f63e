public import Foundation

/// RFC 4648 §5 base64url without padding, as JOSE and our token formats use.
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        // One pass over the standard alphabet's output: swap the two characters, drop the padding.
        var bytes: [UInt8] = []
        for byte in data.base64EncodedData() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): continue
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `byte` is one of base64url's 64 characters.
    public static func isAlphabet(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// Whether `text` has the shape of 32 bytes encoded (43 base64url characters): what `RandomToken` issues and a
    /// SHA-256 digest encodes to. A cheap check before a lookup, not a decode.
    public static func looks32Bytes(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy(isAlphabet)
    }

    public static func decode(_ string: String) -> Data? {
        // One pass over the bytes: map the URL-safe alphabet back to the standard one and re-pad.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.utf8.count + 3)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                bytes.append(byte)
            case UInt8(ascii: "-"): bytes.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): bytes.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        switch bytes.count % 4 {
        case 1: return nil
        case 2: bytes.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "=")])
        case 3: bytes.append(UInt8(ascii: "="))
        default: break
        }
        return Data(base64Encoded: Data(bytes))
    }
}
