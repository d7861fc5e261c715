import Foundation
import XCTest
@testable import GridlineWebSocket

/// Seeded mutation fuzzing of the decoder: valid frame sequences are generated, damaged
/// (bit flips, length field rewrites, inserts, deletes, duplicated and cut ranges) and fed
/// in random pieces. Whatever the input, the decoder must not crash, must make progress on
/// every call, must never claim more bytes than it was given, must fail only with 1002,
/// 1007 or 1009, and must reach the same outcome however the input is split.
///
/// Runs for `GRIDLINE_FUZZ_SECONDS` (default 2) from `GRIDLINE_FUZZ_SEED` (default fixed).
final class FrameDecoderFuzzTests: XCTestCase {
    func testMutatedFrameStreamsNeverCrashAndFailOnlyWithProtocolCloseCodes() {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["GRIDLINE_FUZZ_SECONDS"].flatMap(Double.init) ?? 2
        let seed = environment["GRIDLINE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x6772_6964_6C69_6E65
        let deadline = Date().addingTimeInterval(seconds)
        var master = SplitMix64(seed: seed)
        var inputs = 0
        var failuresByCode: [UInt16: Int] = [:]
        var cleanRuns = 0
        while Date() < deadline {
            for _ in 0..<50 {
                let caseSeed = master.next()
                var random = SplitMix64(seed: caseSeed)
                let outcome = runCase(&random, caseSeed: caseSeed)
                inputs += 1
                if let code = outcome { failuresByCode[code, default: 0] += 1 } else { cleanRuns += 1 }
            }
        }
        print("FrameDecoderFuzzTests: \(inputs) inputs in \(seconds) s (seed \(seed)); "
              + "no error: \(cleanRuns), by close code: \(failuresByCode.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(inputs, 0)
    }

    /// One generated-and-mutated input; returns the close code it failed with, if any.
    private func runCase(_ random: inout SplitMix64, caseSeed: UInt64) -> UInt16? {
        let role: FrameDecoder.Role = random.below(4) == 0 ? .client : .server
        let limit = [64, 1000, 70_000, 1 << 20][random.below(4)]
        var stream = FrameStreamGenerator(role: role)
        stream.generate(&random)
        var bytes = stream.bytes
        let mutated = random.below(8) != 0
        if mutated { Mutator.mutate(&bytes, frameStarts: stream.frameStarts, &random) }

        let cutCount = random.below(6)
        let cuts = (0..<cutCount).map { _ in bytes.isEmpty ? 0 : random.below(bytes.count + 1) }.sorted()
        let split = decodeChecked(bytes, cuts: cuts, role: role, limit: limit, caseSeed: caseSeed)
        let whole = decodeChecked(bytes, cuts: [], role: role, limit: limit, caseSeed: caseSeed)
        XCTAssertEqual(split, whole, "split changed the outcome; case seed \(caseSeed)")
        if !mutated, limit >= stream.largestMessage {
            XCTAssertEqual(whole, DecodeOutcome(events: stream.expected), "clean stream misdecoded; case seed \(caseSeed)")
        }
        for event in whole.events {
            switch event {
            case .text(let payload):
                XCTAssertLessThanOrEqual(payload.count, limit)
                XCTAssertNotNil(String(validating: payload, as: UTF8.self), "invalid text delivered; case seed \(caseSeed)")
            case .binary(let payload):
                XCTAssertLessThanOrEqual(payload.count, limit)
            case .ping(let payload), .pong(let payload):
                XCTAssertLessThanOrEqual(payload.count, 125)
            case .close(let code, _):
                if let code { XCTAssertTrue(CloseCode.isValidOnWire(code)) }
            }
        }
        return whole.error?.closeCode
    }

    /// Decodes with the per-call invariants checked.
    private func decodeChecked(
        _ bytes: [UInt8], cuts: [Int], role: FrameDecoder.Role, limit: Int, caseSeed: UInt64
    ) -> DecodeOutcome {
        var decoder = FrameDecoder(role: role, maxMessageBytes: limit)
        var outcome = DecodeOutcome()
        let bounds = [0] + cuts + [bytes.count]
        var calls = 0
        bytes.withUnsafeBytes { all in
            for index in 0..<(bounds.count - 1) {
                var chunk = UnsafeRawBufferPointer(rebasing: all[bounds[index]..<bounds[index + 1]])
                while !chunk.isEmpty {
                    calls += 1
                    do throws(FrameError) {
                        let (consumed, event) = try decoder.decode(chunk)
                        guard consumed > 0, consumed <= chunk.count else {
                            XCTFail("consumed \(consumed) of \(chunk.count); case seed \(caseSeed)")
                            return
                        }
                        if let event { outcome.events.append(event) }
                        chunk = UnsafeRawBufferPointer(rebasing: chunk[consumed...])
                    } catch {
                        XCTAssertTrue([1002, 1007, 1009].contains(error.closeCode), "\(error); case seed \(caseSeed)")
                        outcome.error = error
                        return
                    }
                }
            }
        }
        // Every call consumes at least one byte, so calls are bounded by the input length.
        XCTAssertLessThanOrEqual(calls, bytes.count + 1, "case seed \(caseSeed)")
        return outcome
    }
}

/// Builds a valid frame stream and the events a correct decoder must produce for it.
private struct FrameStreamGenerator {
    let role: FrameDecoder.Role
    var bytes: [UInt8] = []
    var frameStarts: [Int] = []
    var expected: [WebSocketEvent] = []
    var largestMessage = 0

    init(role: FrameDecoder.Role) { self.role = role }

    mutating func generate(_ random: inout SplitMix64) {
        for _ in 0..<(1 + random.below(5)) {
            if random.below(4) == 0 { appendControl(&random) }
            let isText = random.below(2) == 0
            let payload = isText ? Self.text(&random) : Self.binary(&random)
            largestMessage = max(largestMessage, payload.count)
            var cuts = (0..<random.below(3)).map { _ in random.below(payload.count + 1) }.sorted()
            cuts = [0] + cuts + [payload.count]
            for index in 0..<(cuts.count - 1) {
                let opcode: Opcode = index == 0 ? (isText ? .text : .binary) : .continuation
                let fin = index == cuts.count - 2
                appendFrame(opcode, Array(payload[cuts[index]..<cuts[index + 1]]), fin: fin, &random)
                if !fin, random.below(3) == 0 { appendControl(&random) }
            }
            expected.append(isText ? .text(payload) : .binary(payload))
        }
    }

    private mutating func appendControl(_ random: inout SplitMix64) {
        switch random.below(3) {
        case 0:
            let payload = Self.binary(&random, max: 125)
            appendFrame(.ping, payload, fin: true, &random)
            expected.append(.ping(payload))
        case 1:
            let payload = Self.binary(&random, max: 125)
            appendFrame(.pong, payload, fin: true, &random)
            expected.append(.pong(payload))
        default:
            let codes: [UInt16] = [1000, 1001, 1003, 1008, 1011, 3000, 4999]
            let code = codes[random.below(codes.count)]
            let reason = random.below(2) == 0 ? "" : "bye é"
            appendFrame(.close, FrameEncoder.closePayload(code: code, reason: reason), fin: true, &random)
            expected.append(.close(code: code, reason: reason))
        }
    }

    private mutating func appendFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool, _ random: inout SplitMix64) {
        frameStarts.append(bytes.count)
        if role == .server {
            let key = UInt32(truncatingIfNeeded: random.next())
            FrameEncoder.encodeMasked(opcode: opcode, payload: payload, maskKey: key, fin: fin, into: &bytes)
        } else {
            FrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, into: &bytes)
        }
    }

    private static func size(_ random: inout SplitMix64) -> Int {
        switch random.below(20) {
        case 0: return [125, 126, 127, 65535, 65536][random.below(5)]
        case 1: return random.below(70_000)
        default: return random.below(300)
        }
    }

    static func binary(_ random: inout SplitMix64, max: Int? = nil) -> [UInt8] {
        let count = max.map { random.below($0 + 1) } ?? size(&random)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    static func text(_ random: inout SplitMix64) -> [UInt8] {
        let target = size(&random)
        let samples = ["a", "Z", "{", "\"", "é", "ş", "€", "한", "😀", "𝄞", "\u{7F}", "\u{80}", "\u{FFFF}", "\u{10FFFF}"]
        var out: [UInt8] = []
        while out.count < target {
            out += Array(samples[random.below(samples.count)].utf8)
        }
        return out
    }
}

/// Damages a byte stream in ways that hit the decoder's rules.
private enum Mutator {
    static func mutate(_ bytes: inout [UInt8], frameStarts: [Int], _ random: inout SplitMix64) {
        for _ in 0..<(1 + random.below(4)) {
            let count = bytes.count
            switch random.below(9) {
            case 0 where count > 0:  // flip one bit
                bytes[random.below(count)] ^= 1 << UInt8(random.below(8))
            case 1 where count > 0:  // overwrite one byte
                bytes[random.below(count)] = UInt8(truncatingIfNeeded: random.next())
            case 2 where !frameStarts.isEmpty:  // rewrite a length field
                let start = frameStarts[random.below(frameStarts.count)]
                guard start + 1 < count else { continue }
                let lengths: [UInt8] = [0, 1, 125, 126, 127, UInt8(random.below(128))]
                bytes[start + 1] = (bytes[start + 1] & 0x80) | lengths[random.below(lengths.count)]
                if start + 3 < count, random.below(2) == 0 {
                    bytes[start + 2] = [0x00, 0x7F, 0x80, 0xFF][random.below(4)]
                }
            case 3 where !frameStarts.isEmpty:  // rewrite a first byte (FIN, RSV, opcode)
                let start = frameStarts[random.below(frameStarts.count)]
                if start < count { bytes[start] ^= UInt8(truncatingIfNeeded: random.next()) }
            case 4:  // insert random bytes
                let at = random.below(count + 1)
                bytes.insert(contentsOf: (0..<(1 + random.below(8))).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
            case 5 where count > 0:  // delete a range
                let from = random.below(count)
                bytes.removeSubrange(from..<min(count, from + 1 + random.below(16)))
            case 6 where count > 0:  // duplicate a range
                let from = random.below(count)
                let piece = Array(bytes[from..<min(count, from + 1 + random.below(32))])
                bytes.insert(contentsOf: piece, at: random.below(count + 1))
            case 7 where count > 0:  // truncate
                bytes.removeLast(random.below(min(count, 16)) + 1)
            case 8 where count > 0:  // flip the mask bit of a frame
                let start = frameStarts[random.below(frameStarts.count)]
                if start + 1 < count { bytes[start + 1] ^= 0x80 }
            default:
                continue
            }
        }
    }
}

/// A small, seedable generator (SplitMix64) so every failing case can be replayed.
private struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }
}
