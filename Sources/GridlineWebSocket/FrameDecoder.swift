/// Incremental WebSocket frame decoder (RFC 6455 §5) for one direction of one connection.
///
/// The caller owns the bytes: it passes whatever it has read, learns how many bytes were
/// consumed and gets at most one event, then calls again with the rest. Headers are parsed
/// straight from the input when they are whole and byte by byte when a read splits them, so
/// frames may arrive one byte at a time. Payload bytes are copied once, into the message
/// buffer that is handed out in the event, and unmasked there eight bytes at a time; nothing
/// else is allocated per frame. Text is UTF-8 checked as it arrives (§8.1).
///
/// After an error the decoder is spent: every later call throws the same error, since the
/// connection must be failed (§7.1.7) and the stream position is no longer meaningful.
/// Frames after a close frame are still decoded; stopping reads is the connection's job.
public struct FrameDecoder: Sendable {
    /// Which side this decoder reads for. A server reads client frames, which MUST be
    /// masked; a client reads server frames, which MUST NOT be (§5.1).
    public enum Role: Sendable, Equatable {
        case server
        case client
    }

    public let role: Role
    /// Largest data message accepted, summed over its fragments (§5.4); larger → 1009.
    public let maxMessageBytes: Int

    /// Up-front reservation cap for a new message, so a header announcing a large payload
    /// cannot make the server allocate memory the peer has not sent yet.
    private static let upfrontReserveLimit = 64 * 1024

    // Header being read byte by byte (only when a read splits it).
    private var headerBytesRead = 0
    private var headerLength = 0
    private var byte0: UInt8 = 0
    private var byte1: UInt8 = 0
    private var extendedLength: UInt64 = 0
    private var partialMaskKey: UInt32 = 0

    // The frame whose payload is being read.
    private var inPayload = false
    private var frameOpcode: Opcode = .continuation
    private var frameFin = false
    private var frameMasked = false
    private var frameMaskKey: UInt32 = 0
    private var payloadRemaining = 0
    private var payloadOffset = 0

    // The data message being assembled, possibly over several fragments (§5.4).
    private var messageOpcode: Opcode?
    private var messageLength = 0
    private var message: [UInt8] = []
    private var utf8 = UTF8Validator()
    private var control: [UInt8] = []

    private var failure: FrameError?

    public init(role: Role, maxMessageBytes: Int) {
        self.role = role
        self.maxMessageBytes = max(0, maxMessageBytes)
    }

    /// True between frames with no fragmented message open: a clean place for EOF.
    public var isIdle: Bool { !inPayload && headerBytesRead == 0 && messageOpcode == nil }

    /// Consumes a prefix of `bytes`; returns how many bytes were used and at most one event.
    /// When the input is not empty at least one byte is always consumed, so a caller looping
    /// until `consumed == bytes.count` always terminates. Bytes of a partial frame are kept
    /// inside the decoder: the caller may drop everything it was told was consumed.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer) throws(FrameError)
        -> (consumed: Int, event: WebSocketEvent?)
    {
        if let failure { throw failure }
        do {
            return try decodeStep(bytes)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func decodeStep(_ bytes: UnsafeRawBufferPointer) throws(FrameError)
        -> (consumed: Int, event: WebSocketEvent?)
    {
        guard let base = bytes.baseAddress else { return (0, nil) }
        let count = bytes.count
        var offset = 0
        while offset < count {
            if !inPayload {
                if headerBytesRead == 0, count &- offset >= 2 {
                    let length = try startHeader(
                        base.load(fromByteOffset: offset, as: UInt8.self),
                        base.load(fromByteOffset: offset &+ 1, as: UInt8.self))
                    if count &- offset >= length {
                        try beginFrameFromWholeHeader(base + offset, length: length)
                        offset &+= length
                    } else {
                        headerBytesRead = 2
                        offset &+= 2
                    }
                }
                while !inPayload, offset < count {
                    try feedHeaderByte(base.load(fromByteOffset: offset, as: UInt8.self))
                    offset &+= 1
                }
                if !inPayload { break }
            }
            if payloadRemaining > 0 {
                let take = min(payloadRemaining, count &- offset)
                if take == 0 { break }
                try consumePayload(UnsafeRawBufferPointer(start: base + offset, count: take))
                offset &+= take
            }
            if payloadRemaining == 0, let event = try endFrame() {
                return (offset, event)
            }
        }
        return (offset, nil)
    }

    /// Checks everything the first two bytes decide, as soon as they are known, and returns
    /// the full header length (2 + 0/2/8 length bytes + 0/4 mask bytes, §5.2).
    private mutating func startHeader(_ b0: UInt8, _ b1: UInt8) throws(FrameError) -> Int {
        // §5.2: RSV1–3 MUST be 0 unless an extension says otherwise; we negotiate none.
        if b0 & 0x70 != 0 { throw .reservedBitsSet }
        // §5.2: reserved opcodes fail the connection.
        guard let opcode = Opcode(rawValue: b0 & 0x0F) else { throw .unknownOpcode(b0 & 0x0F) }
        let fin = b0 & 0x80 != 0
        let masked = b1 & 0x80 != 0
        // §5.1: client-to-server frames are masked, server-to-client frames are not.
        switch role {
        case .server: if !masked { throw .unmaskedClientFrame }
        case .client: if masked { throw .maskedServerFrame }
        }
        let length7 = b1 & 0x7F
        if opcode.isControl {
            // §5.5: control frames are never fragmented and carry at most 125 bytes.
            if !fin { throw .fragmentedControlFrame }
            if length7 > 125 { throw .controlFrameTooLong }
        } else if opcode == .continuation {
            // §5.4: a continuation only makes sense inside a fragmented message.
            if messageOpcode == nil { throw .unexpectedContinuation }
        } else if messageOpcode != nil {
            // §5.4: fragments of one message are not interleaved with another message.
            throw .expectedContinuation
        }
        byte0 = b0
        byte1 = b1
        frameOpcode = opcode
        frameFin = fin
        frameMasked = masked
        let lengthBytes = length7 == 126 ? 2 : (length7 == 127 ? 8 : 0)
        headerLength = 2 &+ lengthBytes &+ (masked ? 4 : 0)
        return headerLength
    }

    private mutating func beginFrameFromWholeHeader(_ header: UnsafeRawPointer, length: Int) throws(FrameError) {
        let length7 = byte1 & 0x7F
        var extended: UInt64 = 0
        var maskOffset = 2
        if length7 == 126 {
            extended = UInt64(UInt16(bigEndian: header.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
            maskOffset = 4
        } else if length7 == 127 {
            extended = UInt64(bigEndian: header.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
            maskOffset = 10
        }
        // Packed so that wire byte i is bits 8i..8i+7, the layout `Masking` expects.
        let key = frameMasked
            ? UInt32(littleEndian: header.loadUnaligned(fromByteOffset: maskOffset, as: UInt32.self)) : 0
        try beginFrame(extendedLength: extended, maskKey: key)
    }

    /// The slow path: one header byte at a time, for headers split across reads.
    private mutating func feedHeaderByte(_ byte: UInt8) throws(FrameError) {
        switch headerBytesRead {
        case 0:
            byte0 = byte
        case 1:
            _ = try startHeader(byte0, byte)
        default:
            let lengthBytes = headerLength &- 2 &- (frameMasked ? 4 : 0)
            let index = headerBytesRead &- 2
            if index < lengthBytes {
                extendedLength = extendedLength << 8 | UInt64(byte)  // §5.2: network byte order
            } else {
                partialMaskKey |= UInt32(byte) << (UInt32(index &- lengthBytes) &* 8)
            }
        }
        headerBytesRead &+= 1
        if headerBytesRead >= 2, headerBytesRead == headerLength {
            try beginFrame(extendedLength: extendedLength, maskKey: partialMaskKey)
        }
    }

    /// Checks the length rules once the whole header is known and opens the payload.
    private mutating func beginFrame(extendedLength extended: UInt64, maskKey: UInt32) throws(FrameError) {
        headerBytesRead = 0
        extendedLength = 0
        partialMaskKey = 0
        let length7 = byte1 & 0x7F
        let length: UInt64
        switch length7 {
        case 126:
            // §5.2: the minimal number of bytes MUST be used to encode the length.
            if extended < 126 { throw .nonMinimalLength }
            length = extended
        case 127:
            // §5.2: the most significant bit of a 64-bit length MUST be 0.
            if extended >> 63 != 0 { throw .lengthTopBitSet }
            if extended <= 0xFFFF { throw .nonMinimalLength }
            length = extended
        default:
            length = UInt64(length7)
        }
        if !frameOpcode.isControl {
            // §7.4.1 (1009): refuse from the header alone, before any payload is buffered.
            if length > UInt64(maxMessageBytes &- messageLength) { throw .messageTooBig }
            let size = Int(length)
            if frameOpcode != .continuation {
                messageOpcode = frameOpcode
                utf8.reset()
            }
            messageLength &+= size
        } else if length > 0 {
            control.reserveCapacity(Int(length))
        }
        frameMaskKey = maskKey
        payloadRemaining = Int(length)
        payloadOffset = 0
        inPayload = true
    }

    /// Copies payload bytes into the message (or control) buffer and unmasks them there.
    private mutating func consumePayload(_ chunk: UnsafeRawBufferPointer) throws(FrameError) {
        let key = Masking.key(frameMaskKey, atPayloadOffset: payloadOffset)
        let masked = frameMasked
        payloadOffset &+= chunk.count
        payloadRemaining &-= chunk.count
        let typed = chunk.assumingMemoryBound(to: UInt8.self)
        if frameOpcode.isControl {
            let start = control.count
            control.append(contentsOf: typed)
            if masked {
                control.withUnsafeMutableBytes { raw in
                    Masking.apply(key, to: UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
                }
            }
            return
        }
        let isText = messageOpcode == .text
        var validator = utf8
        let valid: Bool
        if message.capacity == 0 {
            // First bytes of a message: allocate once, sized for the rest of this frame when it
            // is already here (the common single-read frame) or up to a cap when it is not, and
            // fill it with one unmasking copy.
            let frameLeft = chunk.count &+ payloadRemaining
            let capacity = max(chunk.count, min(frameLeft, Self.upfrontReserveLimit))
            message = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                let region = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[..<chunk.count])
                if masked {
                    Masking.copy(chunk, to: region, key: key)
                } else if let from = chunk.baseAddress, let to = region.baseAddress {
                    to.copyMemory(from: from, byteCount: chunk.count)
                }
                initialized = chunk.count
            }
            valid = !isText || message.withUnsafeBytes { validator.validate($0) }
        } else {
            let start = message.count
            message.append(contentsOf: typed)
            valid = message.withUnsafeMutableBytes { raw -> Bool in
                let region = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
                if masked { Masking.apply(key, to: region) }
                return !isText || validator.validate(UnsafeRawBufferPointer(region))
            }
        }
        utf8 = validator
        // §8.1: fail as soon as an invalid byte arrives, not at the end of the message.
        if !valid { throw .invalidUTF8 }
    }

    /// Closes the current frame; returns an event when it completes a message or control frame.
    private mutating func endFrame() throws(FrameError) -> WebSocketEvent? {
        inPayload = false
        switch frameOpcode {
        case .ping:
            return .ping(takeControl())
        case .pong:
            return .pong(takeControl())
        case .close:
            return try Self.closeEvent(takeControl())
        case .text, .binary, .continuation:
            guard frameFin else { return nil }
            let isText = messageOpcode == .text
            // §8.1: a message that ends inside a multi-byte sequence is invalid.
            if isText, !utf8.finish() { throw .invalidUTF8 }
            let payload = message
            message = []
            messageOpcode = nil
            messageLength = 0
            return isText ? .text(payload) : .binary(payload)
        }
    }

    private mutating func takeControl() -> [UInt8] {
        let payload = control
        control = []
        return payload
    }

    /// §5.5.1: an empty body, or a 2-byte code followed by a UTF-8 reason.
    private static func closeEvent(_ payload: [UInt8]) throws(FrameError) -> WebSocketEvent {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        if payload.count == 1 { throw .closePayloadTooShort }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        if !CloseCode.isValidOnWire(code) { throw .invalidCloseCode(code) }
        let reason = payload[2...]
        if !UTF8Validator.isValid(reason) { throw .invalidCloseReason }
        return .close(code: code, reason: String(decoding: reason, as: UTF8.self))
    }
}
