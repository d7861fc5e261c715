import Foundation
import XCTest
import GridlineHTTP

/// Seeded mutation fuzzing of the request parser. Each input is parsed whole and again
/// split at random offsets; the runs must agree, and the harness checks that no call
/// over-consumes, stalls or exceeds its step bound. Run longer with GRIDLINE_FUZZ_SECONDS;
/// GRIDLINE_FUZZ_SEED replays a run.
final class HTTPParserFuzzTests: XCTestCase {
    /// SplitMix64: tiny, seedable and good enough to drive mutations.
    private struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private static let corpus: [[UInt8]] = [
        "GET /api/v1/health HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n",
        "POST /api/v1/rooms HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"name\":\"room\"}",
        "PUT /api/v1/uploads/f1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n",
        "GET /api/v1/ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "GET /x HTTP/1.0\nConnection: keep-alive\n\nGET /y?q=1 HTTP/1.1\r\nHost: h\r\n\r\n",
        "\r\nOPTIONS * HTTP/1.1\r\nHost: h\r\n\r\nGET http://h/p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nab",
        "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    ].map { Array($0.utf8) }

    private static let fragments: [[UInt8]] = [
        "\r\n", "\r\n\r\n", "\n", "\r", " ", "\t", ":", ";", ",", "0", "f", "Content-Length: ",
        "Transfer-Encoding: chunked\r\n", "Host: h\r\n", "0\r\n\r\n", "ffffffffffffffff", "7fffffffffffffff",
        "99999999999999999999", "HTTP/1.1", "HTTP/2.0", "%2F", "\u{0}", "\u{7F}", "Connection: close\r\n",
    ].map { Array($0.utf8) }

    func testMutatedRequestsNeverCrashHangOrDependOnSplits() {
        let env = ProcessInfo.processInfo.environment
        let seconds = env["GRIDLINE_FUZZ_SECONDS"].flatMap(Double.init) ?? 2
        let seed = env["GRIDLINE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x6772_6964_6C69_6E65
        var rng = SeededGenerator(state: seed)
        let deadline = Date().addingTimeInterval(seconds)
        var inputs = 0
        var outcomes: [String: Int] = [:]
        var failures = 0

        while Date() < deadline && failures < 5 {
            for _ in 0..<64 {
                let input = mutated(Self.corpus.randomElement(using: &rng)!, using: &rng)
                let limits = Bool.random(using: &rng) ? HTTPLimits() : HTTPLimits(
                    maxHeaderBytes: Int.random(in: 0...128, using: &rng), maxURIBytes: Int.random(in: 0...32, using: &rng),
                    maxHeaderCount: Int.random(in: 0...6, using: &rng), maxChunkLineBytes: Int.random(in: 0...16, using: &rng))
                let cap: Int64? = Int.random(in: 0..<4, using: &rng) == 0 ? Int64.random(in: 0...20, using: &rng) : nil
                var harness = ParserHarness(limits: limits, bodyCap: { _ in cap })

                let whole = harness.run(input)
                let offsets = (0..<Int.random(in: 0...8, using: &rng)).map { _ in Int.random(in: 0...input.count, using: &rng) }
                let split = Int.random(in: 0..<8, using: &rng) == 0
                    ? harness.run(input.map { [$0] })
                    : harness.run(input, splitAt: offsets.sorted())
                inputs += 1
                outcomes[Self.outcome(whole), default: 0] += 1

                if whole != split || !harness.violations.isEmpty {
                    failures += 1
                    XCTFail("""
                        fuzz finding (seed \(seed)): \(String(decoding: input, as: UTF8.self).debugDescription)
                        limits \(limits) cap \(String(describing: cap)) offsets \(offsets.sorted())
                        whole \(whole)
                        split \(split)
                        violations \(harness.violations)
                        """)
                }
            }
        }
        let summary = outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print("HTTPParserFuzzTests: \(inputs) inputs in \(seconds)s, seed \(seed); how runs ended: \(summary)")
    }

    /// How a run ended, for the summary: proof the fuzzer reaches deep states, not just 400s.
    private static func outcome(_ items: [ParsedItem]) -> String {
        switch items.last {
        case .error(let e)?: return "status\(e.status)"
        case .end?: return "end"
        case .body?: return "midBody"
        case .head?: return "afterHead"
        case nil: return "needMore"
        }
    }

    private func mutated(_ seed: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let at = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0 where at < bytes.count:
                bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 1:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            case 2 where at < bytes.count:
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
            case 3:
                bytes.insert(contentsOf: Self.fragments.randomElement(using: &rng)!, at: at)
            case 4:
                let donor = Self.corpus.randomElement(using: &rng)!
                let start = Int.random(in: 0..<donor.count, using: &rng)
                bytes.insert(contentsOf: donor[start..<min(donor.count, start + Int.random(in: 1...40, using: &rng))], at: at)
            case 5 where at < bytes.count:
                let slice = Array(bytes[at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng))])
                for _ in 0..<Int.random(in: 1...20, using: &rng) { bytes.insert(contentsOf: slice, at: at) }
            case 6:
                bytes = Array(bytes[..<at])
            default:
                bytes += Self.corpus.randomElement(using: &rng)!
            }
        }
        return bytes
    }
}
