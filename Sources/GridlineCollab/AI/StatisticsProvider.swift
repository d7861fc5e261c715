import GridlineJSON

/// The built-in AI provider (SPEC §7): no network, no model, just real figures about the
/// numeric cells in `table_range` — count, sum, mean, min, max, population standard
/// deviation, a least-squares trend and Tukey outliers.
///
/// Decisions, so clients can rely on them:
/// - Only JSON numbers count. A string that looks like a number ("12") is text the user typed
///   as text; strings, booleans, nulls (and anything unreadable) are counted as `non_numeric`.
/// - Cells are taken in reading order (row by row, left to right); the trend is the
///   least-squares line of value against position 0, 1, 2, … among the numeric cells, so its
///   slope is "per numeric cell". It is `flat` when |r| < 0.1 (see `TrendDirection`).
/// - The standard deviation is the population one (divides by n).
/// - Outliers follow Tukey's 1.5 × IQR fences (see `TukeyFences`); at most 20 are listed,
///   the farthest outside the fences first. The query text is not interpreted.
/// - Min and max name the first cell in reading order holding that value.
///
/// Work proceeds in chunks of `chunkSize` cells; after each chunk `progress` reports
/// "Analysed 4000 of 100000 cells" and `isCancelled` is consulted before the next one.
/// The type holds no mutable state, so one instance may serve many threads at once.
public struct StatisticsProvider: AIProvider {
    public static let defaultChunkSize = 2_000
    public static let outlierListLimit = 20
    /// The share of the progress bar given to the chunked pass; the outlier pass gets the rest.
    static let scanProgressShare = 90

    public let chunkSize: Int

    public init(chunkSize: Int = StatisticsProvider.defaultChunkSize) {
        self.chunkSize = max(1, chunkSize)
    }

    public func analyze(
        _ request: AIAnalysisRequest,
        progress: (Int, String) -> Void,
        isCancelled: () -> Bool
    ) throws(AIProviderError) -> AIAnalysisResult {
        let cells = Self.cellsInReadingOrder(request)
        let scope = request.range.map { "in \($0.text)" } ?? "in the sheet"
        progress(0, "Analysing \(cells.count) cells \(scope)")

        var statistics = RunningStatistics()
        var numericCells: [NumericCell] = []
        var nonNumericCount = 0
        var done = 0
        while done < cells.count {
            if isCancelled() { throw .cancelled }
            let chunkEnd = min(done + chunkSize, cells.count)
            for cell in cells[done..<chunkEnd] {
                if let value = Self.numericValue(ofJSON: cell.valueJSON) {
                    statistics.add(value)
                    numericCells.append(NumericCell(address: cell.address, value: value))
                } else {
                    nonNumericCount += 1
                }
            }
            done = chunkEnd
            progress(Self.scanProgressShare * done / cells.count, "Analysed \(done) of \(cells.count) cells")
        }

        if isCancelled() { throw .cancelled }
        if numericCells.count >= TukeyFences.minimumCount {
            progress(Self.scanProgressShare + 5, "Looking for outliers among \(numericCells.count) values")
        }
        let (outliers, outlierCount) = Self.outliers(of: numericCells)
        let report = StatisticsReport(
            range: request.range,
            statistics: statistics,
            numericCells: numericCells,
            nonNumericCount: nonNumericCount,
            outliers: outliers,
            outlierCount: outlierCount
        )
        progress(100, "Analysis complete")
        return AIAnalysisResult(result: report.summary, figures: report.figures)
    }

    /// The request's cells inside the range, row by row. Sorting here (rather than trusting
    /// the caller) keeps the trend's positions well defined whatever order the store used.
    static func cellsInReadingOrder(_ request: AIAnalysisRequest) -> [AICell] {
        let inRange = request.range.map { range in request.cells.filter { range.contains($0.address) } }
            ?? request.cells
        return inRange.sorted { $0.address < $1.address }
    }

    /// The value of a JSON number, or nil for any other JSON (or for text that is not JSON).
    static func numericValue(ofJSON text: String) -> Double? {
        var text = text
        return text.withUTF8 { bytes -> Double? in
            // Only a minus sign or a digit can start a JSON number, so strings, literals and
            // containers are turned away without running the parser.
            guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
                first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
                case .number(let value)? = try? JSONParser.parse(UnsafeRawBufferPointer(bytes)),
                value.isFinite
            else { return nil }
            return value
        }
    }

    /// Tukey outliers, farthest outside the fences first (ties in reading order), capped at
    /// `outlierListLimit`; also returns how many there were in all.
    static func outliers(of cells: [NumericCell]) -> (listed: [NumericCell], count: Int) {
        guard let fences = TukeyFences(sortedValues: cells.map(\.value).sorted()) else { return ([], 0) }
        var found: [(cell: NumericCell, distance: Double, position: Int)] = []
        for (position, cell) in cells.enumerated() {
            if let distance = fences.distanceOutside(cell.value) {
                found.append((cell, distance, position))
            }
        }
        found.sort { $0.distance != $1.distance ? $0.distance > $1.distance : $0.position < $1.position }
        return (found.prefix(outlierListLimit).map(\.cell), found.count)
    }
}
