/// An immutable run of bytes with a stable address, shared by every outbox it is queued on.
/// A broadcast encodes its frame once into one chunk; each recipient only retains it.
public final class ByteChunk: @unchecked Sendable {  // immutable after init, so safe to share
    public let pointer: UnsafeRawPointer
    public let count: Int

    /// Allocates `count` bytes and lets `fill` write them once.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 8)
        fill(UnsafeMutableRawBufferPointer(start: storage, count: count))
        self.pointer = UnsafeRawPointer(storage)
        self.count = count
    }

    public convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count) { buffer in
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { buffer.baseAddress!.copyMemory(from: base, byteCount: source.count) }
            }
        }
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }

    public var array: [UInt8] { Array(bytes) }

    deinit { UnsafeMutableRawPointer(mutating: pointer).deallocate() }
}
