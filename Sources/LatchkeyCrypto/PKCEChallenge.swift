import Crypto
import Foundation
import LatchkeyCore

/// RFC 7636 §4.2 S256: `BASE64URL(SHA256(ASCII(code_verifier)))`.
public enum PKCEChallenge {
    public static func s256(_ verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }
}
