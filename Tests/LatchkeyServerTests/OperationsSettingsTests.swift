import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// The issue-14 settings refuse what would break their rule, naming the setting.
struct OperationsSettingsTests {
    @Test("refresh-token-reuse-window is at least the access-token lifetime (a family revocation must still find the rows naming live access tokens)")
    func reuseWindow() throws {
        #expect(try TestApp().configuration().refreshTokenReuseWindow == 7 * 86400)
        #expect(try TestApp(["access-token-lifetime": "600", "refresh-token-reuse-window": "600"]).configuration().refreshTokenReuseWindow == 600)
        for bad in ["599", "0", "-1", "abc", "", String(4 * 365 * 86400)] {
            #expect(throws: (any Error).self, "refresh-token-reuse-window \(bad)") {
                try TestApp(["access-token-lifetime": "600", "refresh-token-reuse-window": bad]).configuration()
            }
        }
    }

    @Test("shutdown-timeout and shutdown-drain-window take only their ranges")
    func shutdown() throws {
        let defaults = try TestApp(["shutdown-drain-window": "1000"]).configuration()
        #expect(defaults.shutdownTimeout == 10 && defaults.connections.drainWindowMilliseconds == 1000)
        for bad in ["0", "601", "ten"] {
            #expect(throws: (any Error).self) { try TestApp(["shutdown-timeout": bad]).configuration() }
        }
        for bad in ["-1", "10001", "1s"] {
            #expect(throws: (any Error).self) { try TestApp(["shutdown-drain-window": bad]).configuration() }
        }
    }
}
