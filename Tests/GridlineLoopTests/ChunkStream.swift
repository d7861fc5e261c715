import Foundation
import Glibc
@testable import GridlineLoop

/// A download as `HTTPSession.streamFile` does it: `onDrained` queues the next chunk. Chunk `i`
/// starts with `i` (8 bytes, little-endian) and goes on with a fixed pattern, so a reader can
/// check that every byte arrived, in order, with one compare per chunk.
final class ChunkStream: @unchecked Sendable {  // mutated on the loop thread; read by the test after the loop answered
    let chunkSize: Int
    let chunkCount: Int
    /// Every chunk's bytes after the header (copied, not recomputed, per chunk).
    private let template: [UInt8]
    private(set) var queued = 0
    /// The loop pass of every `onDrained` call.
    private(set) var drainedPasses: [UInt64] = []
    /// Called on the loop after chunk `index` was queued.
    var didQueue: ((_ index: Int) -> Void)?

    init(chunkSize: Int, chunkCount: Int) {
        precondition(chunkSize > 8)
        self.chunkSize = chunkSize
        self.chunkCount = chunkCount
        template = ChunkStream.template(size: chunkSize)
    }

    /// Call on the loop thread.
    func start(on connection: Connection) {
        connection.onDrained = { [self, weak connection] in
            guard let connection else { return }
            drainedPasses.append(connection.loop.passCount)
            queueNext(on: connection)
        }
        queueNext(on: connection)
    }

    var isFinished: Bool { queued == chunkCount }

    private func queueNext(on connection: Connection) {
        guard queued < chunkCount else {
            connection.onDrained = nil
            return
        }
        let index = queued
        connection.write(ByteChunk(count: chunkSize) { buffer in
            template.withUnsafeBytes { buffer.copyMemory(from: $0) }
            buffer.storeBytes(of: UInt64(index).littleEndian, toByteOffset: 0, as: UInt64.self)
        })
        queued += 1
        didQueue?(index)
    }

    /// A pattern that differs at neighbouring offsets, so a shifted or repeated span shows.
    static func template(size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    }

    /// Reads `chunkCount` chunks from a blocking socket; returns how many arrived intact and
    /// in order before the first one that did not (or the end of input).
    static func readAndCheck(fd: Int32, chunkSize: Int, chunkCount: Int) -> Int {
        let expected = template(size: chunkSize)
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        for index in 0..<chunkCount {
            guard receiveExactly(fd, into: &buffer) else { return index }
            let header = buffer.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let tailMatches = buffer.withUnsafeBytes { received in
                expected.withUnsafeBytes { expected in
                    memcmp(received.baseAddress! + 8, expected.baseAddress! + 8, chunkSize - 8) == 0
                }
            }
            guard header == UInt64(index), tailMatches else { return index }
        }
        return chunkCount
    }
}
