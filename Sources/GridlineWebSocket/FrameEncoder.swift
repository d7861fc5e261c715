/// Writes WebSocket frames (RFC 6455 §5.2). Server frames are unmasked (§5.1: a server MUST
/// NOT mask); masked frames are for our own test and bench client (§5.3). Frames are
/// appended to a caller-owned buffer so a connection's outbox, or one shared broadcast
/// buffer, is written without intermediate copies.
public enum FrameEncoder: Sendable {
    /// Header size for a payload: 2 bytes up to 125, 4 up to 65535, else 10; plus 4 when masked (§5.2).
    @inline(__always)
    public static func headerLength(payloadCount: Int, masked: Bool) -> Int {
        let base = payloadCount <= 125 ? 2 : (payloadCount <= 0xFFFF ? 4 : 10)
        return masked ? base &+ 4 : base
    }

    /// Appends one unmasked frame. `fin: false` starts or continues a fragmented message (§5.4).
    public static func encode(
        opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true, into out: inout [UInt8]
    ) {
        out.reserveCapacity(out.count &+ headerLength(payloadCount: payload.count, masked: false) &+ payload.count)
        appendHeader(opcode: opcode, fin: fin, count: payload.count, masked: false, into: &out)
        out.append(contentsOf: payload.assumingMemoryBound(to: UInt8.self))
    }

    /// Appends one unmasked frame from any byte collection.
    public static func encode<C: Collection>(
        opcode: Opcode, payload: C, fin: Bool = true, into out: inout [UInt8]
    ) where C.Element == UInt8 {
        let done: Void? = payload.withContiguousStorageIfAvailable {
            encode(opcode: opcode, payload: UnsafeRawBufferPointer($0), fin: fin, into: &out)
        }
        if done == nil {
            Array(payload).withUnsafeBytes { encode(opcode: opcode, payload: $0, fin: fin, into: &out) }
        }
    }

    /// Appends one masked frame. `maskKey` is written big-endian, so 0x37FA213D goes on the
    /// wire as 37 fa 21 3d (§5.7). A client MUST pick an unpredictable key per frame (§5.3).
    public static func encodeMasked(
        opcode: Opcode, payload: UnsafeRawBufferPointer, maskKey: UInt32, fin: Bool = true,
        into out: inout [UInt8]
    ) {
        out.reserveCapacity(out.count &+ headerLength(payloadCount: payload.count, masked: true) &+ payload.count)
        appendHeader(opcode: opcode, fin: fin, count: payload.count, masked: true, into: &out)
        out.append(UInt8(truncatingIfNeeded: maskKey >> 24))
        out.append(UInt8(truncatingIfNeeded: maskKey >> 16))
        out.append(UInt8(truncatingIfNeeded: maskKey >> 8))
        out.append(UInt8(truncatingIfNeeded: maskKey))
        let start = out.count
        out.append(contentsOf: payload.assumingMemoryBound(to: UInt8.self))
        // Wire order packed little-endian, the layout `Masking` works in.
        let packed = maskKey.byteSwapped
        out.withUnsafeMutableBytes { raw in
            Masking.apply(packed, to: UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
        }
    }

    /// Appends one masked frame from any byte collection.
    public static func encodeMasked<C: Collection>(
        opcode: Opcode, payload: C, maskKey: UInt32, fin: Bool = true, into out: inout [UInt8]
    ) where C.Element == UInt8 {
        let done: Void? = payload.withContiguousStorageIfAvailable {
            encodeMasked(opcode: opcode, payload: UnsafeRawBufferPointer($0), maskKey: maskKey, fin: fin, into: &out)
        }
        if done == nil {
            Array(payload).withUnsafeBytes {
                encodeMasked(opcode: opcode, payload: $0, maskKey: maskKey, fin: fin, into: &out)
            }
        }
    }

    /// Close frame body (§5.5.1): the code in network order, then the UTF-8 reason. The reason
    /// is cut at a character boundary to 123 bytes so the frame stays a legal control frame
    /// (§5.5: at most 125 bytes of payload).
    public static func closePayload(code: UInt16, reason: String = "") -> [UInt8] {
        var out: [UInt8] = [UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code)]
        var budget = 123
        for scalar in reason.unicodeScalars {
            let width = UTF8.width(scalar)
            if width > budget { break }
            budget -= width
            out.append(contentsOf: UTF8.encode(scalar)!)
        }
        return out
    }

    /// A whole unmasked text frame; the caller guarantees the bytes are UTF-8 (§5.6).
    public static func textFrame<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        frame(.text, bytes)
    }

    public static func binaryFrame<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        frame(.binary, bytes)
    }

    /// §5.5.2: at most 125 bytes of application data; longer payloads are the caller's bug.
    public static func pingFrame<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        precondition(bytes.count <= 125, "control frame payload over 125 bytes")
        return frame(.ping, bytes)
    }

    /// §5.5.3: a pong echoes the ping's application data.
    public static func pongFrame<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        precondition(bytes.count <= 125, "control frame payload over 125 bytes")
        return frame(.pong, bytes)
    }

    public static func closeFrame(code: UInt16, reason: String = "") -> [UInt8] {
        frame(.close, closePayload(code: code, reason: reason))
    }

    private static func frame<C: Collection>(_ opcode: Opcode, _ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        encode(opcode: opcode, payload: bytes, into: &out)
        return out
    }

    @inline(__always)
    private static func appendHeader(opcode: Opcode, fin: Bool, count: Int, masked: Bool, into out: inout [UInt8]) {
        out.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = masked ? 0x80 : 0
        if count <= 125 {
            out.append(maskBit | UInt8(count))
        } else if count <= 0xFFFF {
            // §5.2: 126, then a 16-bit length in network byte order.
            out.append(maskBit | 126)
            out.append(UInt8(truncatingIfNeeded: count >> 8))
            out.append(UInt8(truncatingIfNeeded: count))
        } else {
            // §5.2: 127, then a 64-bit length in network byte order (top bit 0).
            out.append(maskBit | 127)
            let length = UInt64(count)
            var shift: UInt64 = 56
            while true {
                out.append(UInt8(truncatingIfNeeded: length >> shift))
                if shift == 0 { break }
                shift -= 8
            }
        }
    }
}
