/// Limits of `GET /api/v1/series` (`query.*`), checked before anything is read.
public struct SeriesQueryLimits: Sendable {
    /// Windows per series (Prometheus' limit).
    public var maxPoints = 11_000
    /// Series per query.
    public var maxSeries = 5_000
    /// Points (series × windows) per query: what bounds an answer's memory.
    public var maxSamples = 1_000_000
    public init() {}
}
