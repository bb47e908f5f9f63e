/// A command that parsed fine but could not do its work (an unknown client, a refused registration): printed as
/// `Error: …` without the usage text, which would only suggest the arguments were wrong.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
