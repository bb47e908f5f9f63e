import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeyTestSupport
import Testing
import LatchkeyCrypto

/// The account operations behind `latchkey users`: each one that takes access away ends the user's grants at once.
struct UserAccountTests {
    /// Alice signs in, approves a client and exchanges the code: a session, a refresh token and an access token.
    static func grants(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime) async throws -> (browser: TestBrowser, clientID: String, refresh: String, access: String) {
        let clientID = try await BrowserFlowTests.setup(client, runtime)
        let browser = TestBrowser(client)
        let approved = try await browser.decide(try await BrowserFlowTests.loginToConsent(browser, clientID), "approve")
        let token = try await CodeGrantTests.exchange(client, .init(clientID: clientID, code: try #require(approved.redirectParameters["code"])))
        return (browser, clientID, try #require(token.json["refresh_token"] as? String), try #require(token.json["access_token"] as? String))
    }

    static func assertGrantsEnded(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, _ grants: (browser: TestBrowser, clientID: String, refresh: String, access: String)) async throws {
        #expect(try await grants.browser.get("/account").text.contains("Sign in"), "the session ended")
        let refresh = try await CodeGrantTests.refresh(client, .init(clientID: grants.clientID, code: ""), grants.refresh)
        #expect(refresh.json["error"] as? String == "invalid_grant", "the refresh family is revoked")
        let rs = try await OAuthTest.introspector(runtime)
        let introspection = try await OAuthTest.post(client, "/introspect", "token=\(grants.access)", authorization: rs.basic)
        #expect(introspection.json["active"] as? Bool == false, "the access token is revoked")
    }

    @Test("a new password ends the user's sessions, refresh families and access tokens")
    func passwordEndsGrants() async throws {
        let app = TestApp(BrowserFlowTests.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let grants = try await Self.grants(client, runtime)
            try await runtime.setPassword(username: "Alice", "another good password")
            try await Self.assertGrantsEnded(client, runtime, grants)
        }
    }

    @Test("disabling a user ends their grants and their logins; enabling lets them log in again")
    func disableEndsGrants() async throws {
        let app = TestApp(BrowserFlowTests.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let grants = try await Self.grants(client, runtime)
            try await runtime.setUserDisabled(username: "alice", true)
            try await Self.assertGrantsEnded(client, runtime, grants)
            let page = try await grants.browser.get(BrowserFlowTests.authorizeURI(grants.clientID))
            #expect(try await grants.browser.login(page).status == .unauthorized)
            try await runtime.setUserDisabled(username: "alice", false)
            #expect(try await grants.browser.login(page).status == .seeOther)
        }
    }

    @Test("creating users: names are normalized, weak passwords, bad and taken names refused; unknown users not found")
    func create() async throws {
        let app = TestApp(BrowserFlowTests.settings)
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            let user = try await runtime.createUser(username: "Bob", password: "a good password")
            #expect(user.username == "bob")
            await #expect(throws: UserError.exists("bob")) { try await runtime.createUser(username: "BOB", password: "a good password") }
            await #expect(throws: UserError.weakPassword) { try await runtime.createUser(username: "carol", password: "short") }
            await #expect(throws: UserError.invalidUsername) { try await runtime.createUser(username: "no spaces", password: "a good password") }
            await #expect(throws: UserError.notFound("nobody")) { try await runtime.setUserDisabled(username: "nobody", true) }
            await #expect(throws: UserError.notFound("nobody")) { try await runtime.setPassword(username: "nobody", "a good password") }
        }
    }

    @Test("--dev creates the demo user once, with a password that works; without --dev nothing is created")
    func demoUser() async throws {
        let app = TestApp(["dev": "true"])
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            let password = try #require(try await runtime.createDemoUserIfMissing())
            let demo = try #require(try await runtime.users.user(username: "demo"))
            let verified = try await runtime.passwords.verify(password, hash: demo.passwordHash)
            #expect(verified)
            #expect(try await runtime.createDemoUserIfMissing() == nil)
        }
        let plain = TestApp()
        defer { plain.removeFiles() }
        try await plain.test { _, runtime in
            let created = try await runtime.createDemoUserIfMissing()
            let demo = try await runtime.users.user(username: "demo")
            #expect(created == nil && demo == nil)
        }
    }
}
