import XCTest
@testable import GridlineWebSocket

/// What a decoder made of a whole byte stream: the events in order, then the error if any.
struct DecodeOutcome: Equatable, CustomStringConvertible {
    var events: [WebSocketEvent] = []
    var error: FrameError?

    var description: String { "events: \(events), error: \(String(describing: error))" }
}

/// Feeds byte streams to a fresh decoder the way a connection would: chunk by chunk,
/// calling again until each chunk is consumed.
enum DecoderHarness {
    static let defaultLimit = 1 << 20

    /// Decodes `bytes` cut into pieces at `cuts` (sorted offsets inside the stream).
    static func decode(
        _ bytes: [UInt8], cuts: [Int] = [], role: FrameDecoder.Role = .server, limit: Int = defaultLimit
    ) -> DecodeOutcome {
        var decoder = FrameDecoder(role: role, maxMessageBytes: limit)
        var outcome = DecodeOutcome()
        var bounds = [0] + cuts + [bytes.count]
        bounds = bounds.sorted()
        bytes.withUnsafeBytes { all in
            for index in 0..<(bounds.count - 1) {
                var chunk = UnsafeRawBufferPointer(rebasing: all[bounds[index]..<bounds[index + 1]])
                while !chunk.isEmpty {
                    do throws(FrameError) {
                        let (consumed, event) = try decoder.decode(chunk)
                        precondition(consumed > 0 && consumed <= chunk.count, "decoder made no progress")
                        if let event { outcome.events.append(event) }
                        chunk = UnsafeRawBufferPointer(rebasing: chunk[consumed...])
                    } catch {
                        outcome.error = error
                        return
                    }
                }
            }
        }
        return outcome
    }

    /// Decodes whole, split at every offset, and one byte at a time; asserts all agree and
    /// returns the whole-input outcome.
    @discardableResult
    static func decodeEverySplit(
        _ bytes: [UInt8], role: FrameDecoder.Role = .server, limit: Int = defaultLimit,
        file: StaticString = #filePath, line: UInt = #line
    ) -> DecodeOutcome {
        let whole = decode(bytes, role: role, limit: limit)
        if bytes.count > 1 {
            for cut in 1..<bytes.count {
                let split = decode(bytes, cuts: [cut], role: role, limit: limit)
                XCTAssertEqual(split, whole, "split at \(cut)", file: file, line: line)
            }
            let single = decode(bytes, cuts: Array(1..<bytes.count), role: role, limit: limit)
            XCTAssertEqual(single, whole, "one byte at a time", file: file, line: line)
        }
        return whole
    }

    /// A masked client frame, for feeding the server-role decoder.
    static func clientFrame(
        _ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, key: UInt32 = 0x37FA_213D
    ) -> [UInt8] {
        var out: [UInt8] = []
        FrameEncoder.encodeMasked(opcode: opcode, payload: payload, maskKey: key, fin: fin, into: &out)
        return out
    }

    /// A masked frame with an arbitrary first byte (reserved bits, reserved opcodes).
    static func rawClientFrame(byte0: UInt8, payload: [UInt8] = []) -> [UInt8] {
        var out = clientFrame(.binary, payload)
        out[0] = byte0
        return out
    }
}
