import EtlworksAPI
import ExporterConfiguration
import FoundationEssentials
import Logging
import Vocabulary

/// Reads the tenant-wide executions summary over a trailing day.
public struct SummaryCollector: Collector {
    public let resource = Resource.summary
    let context: CollectorContext
    let logger: Logger
    /// The trailing window asked for, seconds.
    static let window: Double = 86400

    public init(context: CollectorContext, logger: Logger = Logger(label: "etlworks-exporter")) {
        self.context = context
        self.logger = logger
    }

    public func collect() async throws -> Int {
        let now = EpochMillis.from(context.now(), .towardZero)
        let summary = try await context.client.summary(from: now - EpochMillis.from(seconds: Self.window, .towardZero), to: now)
        await context.noteAnswerShape(resource, unrecognizedKeys: summary.unrecognizedKeys, logger: logger)
        await context.state.setSummary(summary, window: Self.window)
        return 0
    }
}
