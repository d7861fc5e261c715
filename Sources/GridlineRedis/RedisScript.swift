import GridlineCrypto
import GridlineRESP

/// A Lua script known by its SHA-1, run with `EVALSHA` so only the digest crosses the wire.
public struct RedisScript: Sendable, Equatable {
    public let source: String
    /// Lowercase hex, as `SCRIPT LOAD` answers it.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hash(Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension RedisClient {
    /// Runs `script` with `EVALSHA`. When Redis does not know it (`NOSCRIPT`: after a restart or
    /// `SCRIPT FLUSH`) the script is loaded with `SCRIPT LOAD` and run once more; both commands
    /// go out together. The retry runs after commands sent meanwhile, so callers that need
    /// order across scripts chain them on completions.
    public func evaluate(_ script: RedisScript, keys: [any RESPArgument] = [], arguments: [any RESPArgument] = [],
                         completion: @escaping Completion) {
        let command: [any RESPArgument] = ["EVALSHA", script.sha1, keys.count] + keys + arguments
        send(command) { [weak self] result in
            guard case .failure(let error) = result, error.serverCode == "NOSCRIPT", let self else {
                return completion(result)
            }
            // The load's reply comes first; a script that does not compile reports why.
            var loadFailure: RedisError?
            self.send(["SCRIPT", "LOAD", script.source]) { loaded in
                if case .failure(let error) = loaded { loadFailure = error }
            }
            self.send(command) { retried in
                if case .failure = retried, let loadFailure { return completion(.failure(loadFailure)) }
                completion(retried)
            }
        }
    }

    /// Loads `script` ahead of its first use; the reply is its SHA-1.
    public func load(_ script: RedisScript, completion: ((Result<RESPValue, RedisError>) -> Void)? = nil) {
        send(["SCRIPT", "LOAD", script.source]) { completion?($0) }
    }
}
