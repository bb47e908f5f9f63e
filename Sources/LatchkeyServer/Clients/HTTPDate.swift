import Foundation

/// RFC 9110 §5.6.7 `IMF-fixdate` (`Sun, 06 Nov 1994 08:49:37 GMT`), the only date form senders may generate; the
/// obsolete forms are not worth parsing for a cache hint (an unparsable `Expires` means "already expired").
enum HTTPDate {
    /// Unix seconds, or `nil` when `text` is not an IMF-fixdate.
    static func parse(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces)).map { Int64($0.timeIntervalSince1970) }
    }
}
