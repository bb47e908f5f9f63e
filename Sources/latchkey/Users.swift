import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyServer

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage local user accounts (the people who log in and approve clients).",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, Passwd.self]
    )

    /// A password of acceptable strength from standard input (`--password-stdin`, first line) or an interactive prompt without echo.
    /// Never from the command line, where it would land in shell history and `ps`.
    static func readPassword(fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("no password on standard input")
            }
            try PasswordHasher.checkStrength(line)
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("standard input is not a terminal; pass the password with --password-stdin")
        }
        guard let first = getpass("Password: ").map({ String(cString: $0) }),
              let second = getpass("Repeat password: ").map({ String(cString: $0) })
        else { throw ValidationError("could not read the password") }
        guard first == second else { throw ValidationError("the passwords do not match") }
        try PasswordHasher.checkStrength(first)
        return first
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; asks for the password.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Username: letters, digits, '.', '_', '@', '-'.") var username: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            let name = try User.normalizeUsername(username)
            let password = try Users.readPassword(fromStdin: passwordStdin)
            try await options.withRuntime { runtime in
                let user = try await runtime.createUser(username: name, password: password)
                print("created \(name) (id \(user.id))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await options.withRuntime { runtime in
                print("USERNAME                         ID                                STATUS")
                for user in try await runtime.users.list() {
                    print("\(user.username.padding(toLength: 32, withPad: " ", startingAt: 0)) \(user.id)  \(user.disabled ? "disabled" : "active")")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a user from logging in.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Username.") var username: String

        func run() async throws {
            try await Users.setDisabled(true, username: username, options: options)
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled user log in again.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Username.") var username: String

        func run() async throws {
            try await Users.setDisabled(false, username: username, options: options)
        }
    }

    static func setDisabled(_ disabled: Bool, username: String, options: ConfigOptions) async throws {
        let name = try User.normalizeUsername(username)
        try await options.withRuntime { runtime in
            try await runtime.setUserDisabled(username: name, disabled)
            print("\(disabled ? "disabled" : "enabled") \(name)")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password; asks for it.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Username.") var username: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            let name = try User.normalizeUsername(username)
            let password = try Users.readPassword(fromStdin: passwordStdin)
            try await options.withRuntime { runtime in
                try await runtime.setPassword(username: name, password)
                print("password changed for \(name)")
            }
        }
    }
}
