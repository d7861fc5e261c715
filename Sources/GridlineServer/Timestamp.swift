import Glibc

/// ISO 8601 UTC timestamps with milliseconds ("2026-11-26T19:10:00.123Z"), as every server
/// message and log line carries one.
public enum Timestamp {
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public static func iso8601Now() -> String { iso8601(milliseconds: nowMilliseconds()) }

    public static func iso8601(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        let millis = Int(milliseconds % 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit into 24 bytes: this runs for every message the server sends.
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for i in stride(from: offset + width - 1, through: offset, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(Int(parts.tm_year) + 1900, 4, at: 0)
            out[4] = UInt8(ascii: "-")
            put(Int(parts.tm_mon) + 1, 2, at: 5)
            out[7] = UInt8(ascii: "-")
            put(Int(parts.tm_mday), 2, at: 8)
            out[10] = UInt8(ascii: "T")
            put(Int(parts.tm_hour), 2, at: 11)
            out[13] = UInt8(ascii: ":")
            put(Int(parts.tm_min), 2, at: 14)
            out[16] = UInt8(ascii: ":")
            put(Int(parts.tm_sec), 2, at: 17)
            out[19] = UInt8(ascii: ".")
            put(millis, 3, at: 20)
            out[23] = UInt8(ascii: "Z")
            return 24
        }
    }
}
