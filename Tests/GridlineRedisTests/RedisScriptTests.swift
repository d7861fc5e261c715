import GridlineLoop
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

final class RedisScriptTests: RedisTestCase {
    private var client: RedisClient!

    override func setUpWithError() throws {
        try super.setUpWithError()
        client = try makeClient()
    }

    private func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) throws -> Result<RESPValue, RedisError> {
        let client = self.client!
        return try outcome("script reply") { done in client.evaluate(script, keys: keys, arguments: arguments) { done($0) } }
    }

    private func call(_ arguments: [String]) throws -> Result<RESPValue, RedisError> {
        let client = self.client!
        return try outcome("reply") { done in client.send(arguments) { done($0) } }
    }

    func testScriptDigestIsTheSHA1RedisComputes() throws {
        // Redis documents SCRIPT LOAD's answer as the script's SHA-1 digest.
        let script = RedisScript("return 1")
        XCTAssertEqual(script.sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
        XCTAssertEqual(try call(["SCRIPT", "LOAD", "return 1"]).map(\.string), .success(script.sha1))
    }

    func testUnknownScriptIsLoadedOnNOSCRIPTAndRunAgain() throws {
        let fencedIncrement = RedisScript("""
            local n = redis.call('INCR', KEYS[1])
            return {n, ARGV[1]}
            """)
        XCTAssertEqual(try evaluate(fencedIncrement, keys: ["fence"], arguments: ["node-a"]),
                       .success(.array([.integer(1), .bulkString(Array("node-a".utf8))])))
        XCTAssertEqual(try call(["SCRIPT", "EXISTS", fencedIncrement.sha1]), .success(.array([.integer(1)])))
        XCTAssertEqual(try call(["SCRIPT", "FLUSH"]), .success(.simpleString("OK")))
        XCTAssertEqual(try call(["SCRIPT", "EXISTS", fencedIncrement.sha1]), .success(.array([.integer(0)])))
        XCTAssertEqual(try evaluate(fencedIncrement, keys: ["fence"], arguments: ["node-b"]),
                       .success(.array([.integer(2), .bulkString(Array("node-b".utf8))])))
        XCTAssertEqual(try call(["SCRIPT", "EXISTS", fencedIncrement.sha1]), .success(.array([.integer(1)])))
    }

    func testScriptThatDoesNotCompileReportsTheCompileError() throws {
        let broken = RedisScript("return (")
        guard case .failure(let error) = try evaluate(broken, keys: [], arguments: []) else { return XCTFail("ran") }
        XCTAssertEqual(error.serverCode, "ERR")
        XCTAssertTrue(error.description.contains("Error compiling script"), error.description)
    }

    func testScriptErrorReplyIsAServerError() throws {
        let failing = RedisScript("return redis.error_reply('FENCED stale token')")
        guard case .failure(let error) = try evaluate(failing, keys: [], arguments: []) else { return XCTFail("ran") }
        XCTAssertEqual(error, .server("FENCED stale token"))
        XCTAssertEqual(error.serverCode, "FENCED")
    }
}
