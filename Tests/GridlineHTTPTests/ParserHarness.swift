import XCTest
@testable import GridlineHTTP

/// What a connection saw from the parser, with adjacent body pieces merged so that
/// runs over differently split input can be compared.
enum ParsedItem: Equatable, CustomStringConvertible {
    case head(HTTPRequestHead)
    case body([UInt8])
    case end
    case error(HTTPParseError)

    var description: String {
        switch self {
        case .head(let h): "head(\(h.method) \(h.target))"
        case .body(let b): "body(\(String(decoding: b, as: UTF8.self)))"
        case .end: "end"
        case .error(let e): "error(\(e))"
        }
    }
}

/// Drives a parser the way the server's read loop does: bytes arrive in pieces, are appended
/// to a pending buffer, and consumed bytes are dropped after each call.
struct ParserHarness {
    var limits = HTTPLimits()
    /// Called on each head; its result becomes `maxBodyBytes` for that request.
    var bodyCap: @Sendable (HTTPRequestHead) -> Int64? = { _ in nil }

    /// Invariant violations found while driving (empty when the parser kept its contract).
    private(set) var violations: [String] = []
    /// Number of `parse` calls made.
    private(set) var calls = 0

    init(limits: HTTPLimits = HTTPLimits(), bodyCap: @escaping @Sendable (HTTPRequestHead) -> Int64? = { _ in nil }) {
        self.limits = limits
        self.bodyCap = bodyCap
    }

    mutating func run(_ pieces: [[UInt8]]) -> [ParsedItem] {
        var parser = HTTPRequestParser(limits: limits)
        var items: [ParsedItem] = []
        var pending: [UInt8] = []
        func add(_ item: ParsedItem) {
            if case .body(let more) = item, case .body(let earlier)? = items.last {
                items[items.count - 1] = .body(earlier + more)
            } else {
                items.append(item)
            }
        }
        for piece in pieces {
            pending += piece
            var zeroConsumptionEvents = 0
            // Every call consumes a byte, returns an event, or asks for more, and at most one
            // event in a row consumes nothing: so a piece needs at most 2 calls per byte.
            var stepsLeft = 2 * pending.count + 4
            while true {
                calls += 1
                stepsLeft -= 1
                if stepsLeft < 0 { violations.append("step bound exceeded"); return items }
                let count = pending.count
                let result = pending.withUnsafeBytes { raw in
                    Result { () throws(HTTPParseError) in try parser.parse(raw) }
                }
                guard case .success(let (consumed, event)) = result else {
                    if case .failure(let error) = result { add(.error(error)) }
                    return items
                }
                if consumed < 0 || consumed > count { violations.append("consumed \(consumed) of \(count)"); return items }
                guard let event else {
                    if consumed != count { violations.append("no event but consumed \(consumed) of \(count)") }
                    pending.removeFirst(consumed)
                    break
                }
                // Each call either consumes or produces an event; a run of events that consume
                // nothing would be a livelock (only `.end` right after a body may do it).
                zeroConsumptionEvents = consumed == 0 ? zeroConsumptionEvents + 1 : 0
                if zeroConsumptionEvents > 1 { violations.append("events without progress"); return items }
                switch event {
                case .head(let head):
                    add(.head(head))
                    parser.maxBodyBytes = bodyCap(head)
                case .body(let range):
                    if range.isEmpty || range.lowerBound < 0 || range.upperBound > consumed {
                        violations.append("body range \(range) outside 0..<\(consumed)")
                        return items
                    }
                    add(.body(Array(pending[range])))
                case .end:
                    add(.end)
                }
                pending.removeFirst(consumed)
            }
        }
        return items
    }

    /// Whole input in one read.
    mutating func run(_ input: [UInt8]) -> [ParsedItem] { run([input]) }

    /// Input cut at the given offsets (sorted, within bounds).
    mutating func run(_ input: [UInt8], splitAt offsets: [Int]) -> [ParsedItem] {
        var pieces: [[UInt8]] = []
        var start = 0
        for offset in offsets {
            pieces.append(Array(input[start..<offset]))
            start = offset
        }
        pieces.append(Array(input[start...]))
        return run(pieces)
    }
}

extension XCTestCase {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func parse(_ s: String, limits: HTTPLimits = HTTPLimits()) -> [ParsedItem] {
        var harness = ParserHarness(limits: limits)
        let items = harness.run(bytes(s))
        XCTAssertEqual(harness.violations, [])
        return items
    }

    func head(of s: String, file: StaticString = #filePath, line: UInt = #line) -> HTTPRequestHead? {
        guard case .head(let h)? = parse(s).first else {
            XCTFail("no head in \(parse(s))", file: file, line: line)
            return nil
        }
        return h
    }

    func error(of s: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
        if case .error(let e)? = parse(s, limits: limits).last { return e }
        return nil
    }

    /// Feeds `input` whole, split at every offset, and one byte at a time; all must agree.
    func assertSplitInvariant(
        _ input: [UInt8], limits: HTTPLimits = HTTPLimits(), file: StaticString = #filePath, line: UInt = #line
    ) {
        var harness = ParserHarness(limits: limits)
        let whole = harness.run(input)
        for offset in 0...input.count {
            let split = harness.run(input, splitAt: [offset])
            if split != whole {
                XCTFail("split at \(offset): \(split) != \(whole)", file: file, line: line)
                return
            }
        }
        let byteByByte = harness.run(input.map { [$0] })
        XCTAssertEqual(byteByByte, whole, "one byte at a time", file: file, line: line)
        XCTAssertEqual(harness.violations, [], file: file, line: line)
    }
}

/// One `parse` call over an array. The closure is left untyped on purpose: Swift 6.3 crashes
/// compiling a `throws(HTTPParseError)` closure passed to `withUnsafeBytes`.
func feed(_ parser: inout HTTPRequestParser, _ bytes: [UInt8]) throws -> (consumed: Int, event: HTTPParseEvent?) {
    try bytes.withUnsafeBytes { try parser.parse($0) }
}
