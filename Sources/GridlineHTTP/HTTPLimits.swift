/// Size limits the request parser enforces while reading, so a peer can never make it
/// buffer more than a bounded amount per connection.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line plus header fields plus the blank line, in bytes (431 past it).
    /// Also bounds the trailer section of a chunked body.
    public var maxHeaderBytes: Int
    /// Request target, in bytes (414 past it).
    public var maxURIBytes: Int
    /// Number of header field lines (431 past it).
    public var maxHeaderCount: Int
    /// One chunk-size line including extensions (400 past it): extensions are ignored,
    /// so without a bound a peer could stream them forever.
    public var maxChunkLineBytes: Int

    public init(
        maxHeaderBytes: Int = 16_384,
        maxURIBytes: Int = 8_192,
        maxHeaderCount: Int = 100,
        maxChunkLineBytes: Int = 4_096
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxChunkLineBytes = maxChunkLineBytes
    }
}
