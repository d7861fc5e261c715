/// One-pass statistics of a series of numbers, each taken at the next position 0, 1, 2, ….
///
/// Mean, variance and the least-squares line use Welford-style updates (mean and co-moments
/// move by each value's distance from the running mean) instead of Σx and Σx², which lose
/// every significant digit when the values are large and close together. The sum is kept
/// with Neumaier's compensated summation for the same reason.
struct RunningStatistics: Sendable {
    private(set) var count = 0
    /// Position (0-based ordinal) of the first smallest and first largest value.
    private(set) var minimumPosition = 0
    private(set) var maximumPosition = 0
    private(set) var minimum = Double.nan
    private(set) var maximum = Double.nan

    private var sum = 0.0
    private var sumCompensation = 0.0
    private var meanValue = 0.0
    private var valueMoment = 0.0
    private var meanPosition = 0.0
    private var positionMoment = 0.0
    private var coMoment = 0.0

    mutating func add(_ value: Double) {
        let position = Double(count)
        if count == 0 || value < minimum { minimum = value; minimumPosition = count }
        if count == 0 || value > maximum { maximum = value; maximumPosition = count }
        count += 1
        let n = Double(count)

        let total = sum + value
        if abs(sum) >= abs(value) {
            sumCompensation += (sum - total) + value
        } else {
            sumCompensation += (value - total) + sum
        }
        sum = total

        let positionDelta = position - meanPosition
        meanPosition += positionDelta / n
        let valueDelta = value - meanValue
        meanValue += valueDelta / n
        let valueDeltaAfter = value - meanValue
        valueMoment += valueDelta * valueDeltaAfter
        positionMoment += positionDelta * (position - meanPosition)
        coMoment += positionDelta * valueDeltaAfter
    }

    var total: Double? { count > 0 ? sum + sumCompensation : nil }
    var mean: Double? { count > 0 ? meanValue : nil }

    /// Population variance (divides by n): the cells in range are the whole data set the
    /// user asked about, not a sample of a larger one.
    var populationVariance: Double? { count > 0 ? valueMoment / Double(count) : nil }
    var populationStandardDeviation: Double? { populationVariance.map { max(0, $0).squareRoot() } }

    /// Least-squares slope of value against position; nil below two values.
    var slope: Double? { count >= 2 ? coMoment / positionMoment : nil }
    /// The fitted value at position 0.
    var intercept: Double? { slope.map { meanValue - $0 * meanPosition } }

    /// Pearson's r between position and value; nil below two values or when every value is
    /// the same (a constant series correlates with nothing).
    var correlation: Double? {
        guard count >= 2, valueMoment > 0 else { return nil }
        return coMoment / (positionMoment * valueMoment).squareRoot()
    }
}
