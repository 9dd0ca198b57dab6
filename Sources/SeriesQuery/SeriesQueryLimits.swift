/// Limits of `GET /api/v1/series` (`query.*`), checked before anything is read.
public struct SeriesQueryLimits: Sendable {
    /// Windows per series (Prometheus' limit).
    public var maxPoints = 11_000
    /// Series per query.
    public var maxSeries = 5_000
    /// Points (series × windows) per query: what bounds an answer's memory.
    public var maxSamples = 1_000_000
    /// Queries running at once, each until its answer is written: with `maxSamples`, what
    /// bounds the memory of answers (a million points is some 100 MB).
    public var maxRunning = 2
    /// Queries waiting behind them; more are refused with 429.
    public var maxQueued = 8
    public init() {}
}
