/// A bench run that cannot go on (no epoll, no secret, server unreachable …): one line for stderr.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
