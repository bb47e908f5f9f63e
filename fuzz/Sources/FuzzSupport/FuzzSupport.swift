#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every target shares: the input as bytes, a clock on each input (libFuzzer's own slow-unit report counts whole
/// seconds only), and invariants that stop the run like a crash.
public enum Fuzz {
    nonisolated(unsafe) static var slowest: Duration = .zero
    nonisolated(unsafe) static var slowestInput: [UInt8] = []
    nonisolated(unsafe) static var inputs = 0
    nonisolated(unsafe) static var registered = false

    /// Runs `body` on the input, timing it. At exit, prints the slowest input's time and size, and writes the input to
    /// `$FUZZ_SLOWEST_OUT` when that is set (`fuzz/run` keeps it beside the run's log).
    public static func run(_ start: UnsafeRawPointer, _ count: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> CInt {
        if !registered {
            registered = true
            atexit { Fuzz.report() }
        }
        let bytes = UnsafeRawBufferPointer(start: start, count: count)
        let clock = ContinuousClock()
        let began = clock.now
        body(bytes)
        let took = began.duration(to: clock.now)
        inputs += 1
        if took > slowest {
            slowest = took
            slowestInput = Array(bytes)
        }
        return 0
    }

    static func report() {
        let (seconds, attoseconds) = slowest.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        let line = "latchkey-fuzz: \(inputs) inputs; slowest input \(String(Int((milliseconds * 1000).rounded())))us (\(slowestInput.count) bytes)\n"
        printError(line)
        if let path = getenv("FUZZ_SLOWEST_OUT"), let file = fopen(path, "wb") {
            _ = slowestInput.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
        }
    }

    static func printError(_ line: String) {
        var line = line
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// A property that must hold for every input; a violation ends the run as a crash, and libFuzzer keeps the input.
    public static func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() {
            let line = "latchkey-fuzz: invariant violated: \(message())\n"
            printError(line)
            abort()
        }
    }
}
