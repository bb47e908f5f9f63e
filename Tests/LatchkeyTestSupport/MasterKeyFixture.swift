import Foundation

/// A fixed master key for tests that need production settings.
public enum MasterKeyFixture {
    public static let base64 = Data(repeating: 7, count: 32).base64EncodedString()
}
