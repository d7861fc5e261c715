/// Messages per second over the last few seconds.
struct RateSampler {
    private var lastCount: UInt64 = 0
    private var lastTime: UInt64 = 0
    private(set) var perSecond: Double = 0

    mutating func sample(count: UInt64, now: UInt64) {
        defer {
            lastCount = count
            lastTime = now
        }
        guard lastTime != 0, now > lastTime else { return }
        let instant = Double(count - lastCount) / (Double(now - lastTime) / 1e9)
        perSecond = perSecond == 0 ? instant : perSecond * 0.75 + instant * 0.25
    }
}
