/// The JSON of `GET /api/v1/series`, as clients decode it. The server writes it with
/// `SeriesQueryResponse` (by hand, for speed and exact numbers); the tests decode every answer
/// with this type, so the two cannot drift apart.
public struct SeriesDocument: Decodable, Sendable, Equatable {
    public struct Body: Decodable, Sendable, Equatable {
        public var tier: String
        public var step: Int64
        public var from: Int64
        public var to: Int64
        public var series: [Series]
    }

    public struct Series: Decodable, Sendable, Equatable {
        public var name: String
        /// `counter` or `gauge`.
        public var kind: String
        public var labels: [String: String]
        public var points: [Point]
    }

    /// One window: `count` polls, and their `sum`, `min`, `max`, mean, last value and, for
    /// counters, the reset-aware increase.
    public struct Point: Decodable, Sendable, Equatable {
        public var t: Int64
        public var count: Int64
        public var sum: Double
        public var min: Double
        public var max: Double
        public var avg: Double
        public var last: Double
        public var increase: Double?
    }

    public var status: String
    public var data: Body
}
