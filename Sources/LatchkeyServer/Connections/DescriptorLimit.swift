#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (RLIMIT_NOFILE), which bounds connections: each holds a descriptor.
///
/// Running out of descriptors stopped the server answering and then crashed it inside libdispatch, so at start the
/// soft limit is raised to the hard limit, and connections are capped below it (`ServerLimits`).
public struct DescriptorLimit: Sendable, Equatable {
    public var soft: Int
    public var hard: Int

    public init(soft: Int, hard: Int) {
        self.soft = soft
        self.hard = hard
    }

    /// The current limits; `nil` when they cannot be read.
    public static func current() -> DescriptorLimit? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return DescriptorLimit(soft: Self.clamp(limit.rlim_cur), hard: Self.clamp(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one; returns the limits in force afterwards (unchanged if raising failed).
    public static func raiseSoftLimit() -> DescriptorLimit? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            #if canImport(Darwin)
            // macOS refuses a soft limit above OPEN_MAX, even when the hard limit is infinite.
            raised.rlim_cur = min(limit.rlim_max, rlim_t(OPEN_MAX))
            #endif
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
        }
        return current()
    }

    /// `RLIM_INFINITY` and other huge values count as "plenty".
    static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value)
    }
}
