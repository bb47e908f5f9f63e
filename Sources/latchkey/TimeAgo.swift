import Foundation

/// A past instant as an operator reads it in a table: the UTC date and how long ago, e.g. `2026-12-01 (3 days ago)`.
enum TimeAgo {
    static func describe(_ time: Int64?, now: Int64) -> String {
        guard let time else { return "never" }
        let date = Date(timeIntervalSince1970: TimeInterval(time)).formatted(.iso8601.year().month().day())
        let seconds = max(0, now - time)
        let ago: String
        switch seconds {
        case ..<3600: ago = "within the hour"
        case ..<86400: ago = "\(seconds / 3600) h ago"
        case ..<(2 * 86400): ago = "1 day ago"
        default: ago = "\(seconds / 86400) days ago"
        }
        return "\(date) (\(ago))"
    }
}
