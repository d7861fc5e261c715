/// Frame opcodes defined by RFC 6455 §5.2. The reserved values 0x3–0x7 and 0xB–0xF have no
/// case: the decoder refuses them with 1002 because no extension defining them was negotiated.
public enum Opcode: UInt8, Sendable, Equatable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames are the opcodes with the high bit set (§5.5).
    public var isControl: Bool { rawValue & 0x8 != 0 }
}
