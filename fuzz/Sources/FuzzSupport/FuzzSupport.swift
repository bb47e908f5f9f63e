#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every target shares: the input as bytes, a CPU-time bound and clock on each input (libFuzzer's own
/// `-timeout` and slow-unit report count whole wall-clock seconds), and invariants that stop the run like a crash.
public enum Fuzz {
    nonisolated(unsafe) static var slowestCPU: Int64 = 0
    nonisolated(unsafe) static var slowestWall: Int64 = 0
    nonisolated(unsafe) static var slowestInput: [UInt8] = []
    nonisolated(unsafe) static var inputs = 0
    nonisolated(unsafe) static var registered = false
    /// The most CPU one input may take, from `$FUZZ_CPU_BOUND_MS` (default 1000): over it, the run stops like a
    /// crash and keeps the input. CPU time, not wall time, so a loaded machine does not fail the bound; libFuzzer's
    /// own wall-clock `-timeout` catches hangs.
    nonisolated(unsafe) static var cpuBound: Int64 = {
        guard let text = getenv("FUZZ_CPU_BOUND_MS"), let milliseconds = Int64(String(cString: text)) else { return 1_000_000_000 }
        return milliseconds * 1_000_000
    }()

    /// Runs `body` on the input, timing it in process CPU time (what the input costs, however loaded the machine is)
    /// and wall time. The first input is not counted: it pays for lazy initialisation. At exit, prints the slowest
    /// input's times and size, and writes it to `$FUZZ_SLOWEST_OUT` when that is set.
    public static func run(_ start: UnsafeRawPointer, _ count: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> CInt {
        if !registered {
            registered = true
            atexit { Fuzz.report() }
        }
        let bytes = UnsafeRawBufferPointer(start: start, count: count)
        let cpu = nanoseconds(CLOCK_PROCESS_CPUTIME_ID)
        let wall = nanoseconds(CLOCK_MONOTONIC)
        body(bytes)
        let cpuTook = nanoseconds(CLOCK_PROCESS_CPUTIME_ID) - cpu
        let wallTook = nanoseconds(CLOCK_MONOTONIC) - wall
        inputs += 1
        if inputs > 1, cpuTook > slowestCPU {
            slowestCPU = cpuTook
            slowestWall = wallTook
            slowestInput = Array(bytes)
        }
        invariant(inputs == 1 || cpuTook <= cpuBound, "the input took \(cpuTook / 1_000_000) ms of CPU, over the bound of \(cpuBound / 1_000_000) ms")
        return 0
    }

    static func nanoseconds(_ clock: clockid_t) -> Int64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    static func report() {
        printError("latchkey-fuzz: \(inputs) inputs; slowest input \(slowestCPU / 1000)us CPU, \(slowestWall / 1000)us wall (\(slowestInput.count) bytes)\n")
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
            printError("latchkey-fuzz: invariant violated: \(message())\n")
            abort()
        }
    }
}
