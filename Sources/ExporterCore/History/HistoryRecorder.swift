import ExporterConfiguration
import Foundation
import Logging
import SQLiteDatabase
import Store
import Vocabulary

/// Where history samples go: the series store, behind a protocol so the polling loop can
/// be tested without a database.
public protocol HistorySink: Sendable {
    func append(_ samples: [Sample], group: String, at timestamp: Int64) async throws -> Int
}

extension SeriesStore: HistorySink {}

/// Stores the samples of each poll. A failed write marks the storage failing in /health and
/// is logged once until writes succeed again; it never stops polling.
public actor HistoryRecorder {
    private let sink: any HistorySink
    private let state: ExporterState
    private let logger: Logger
    private var failing = false
    /// The tenant whose polls these are (`etlworks.tenants`): its series carry `tenant_id`,
    /// and its polls are a group of their own, apart from other tenants' polls.
    private let tenantId: String?

    public init(sink: any HistorySink, state: ExporterState, logger: Logger, tenantId: String? = nil) {
        self.sink = sink
        self.state = state
        self.logger = logger
        self.tenantId = tenantId
    }

    /// The samples as stored: a tenant's with its `tenant_id`.
    private func scoped(_ samples: [Sample]) -> [Sample] {
        guard let tenantId else { return samples }
        let label = SeriesLabel("tenant_id", tenantId)
        return samples.map { Sample(SeriesKey($0.key.name, $0.key.labels + [label]), $0.kind, $0.value) }
    }

    private func group(_ name: String) -> String { tenantId.map { "\(name)@\($0)" } ?? name }

    /// Stores what the latest poll of `resource` produced: its values when it succeeded (a
    /// failed poll leaves a gap), and its result either way.
    public func record(after resource: Resource, succeeded: Bool, at date: Date = Date()) async {
        let snapshot = await state.snapshot()
        let time = Int64(date.timeIntervalSince1970)
        do {
            if succeeded {
                _ = try await sink.append(
                    scoped(HistorySamples.after(resource, snapshot: snapshot)), group: group(resource.rawValue), at: time)
            }
            _ = try await sink.append(
                scoped(HistorySamples.pollResult(resource, snapshot: snapshot)), group: group("poll.\(resource.rawValue)"),
                at: time)
            await reportSuccess()
        } catch {
            await reportFailure(error, during: "storing samples")
        }
    }

    func reportSuccess() async {
        guard failing else { return }
        failing = false
        await state.setStorage(.ok, writer: .history)
        logger.info("History writes succeed again")
    }

    func reportFailure(_ error: any Error, during activity: String) async {
        let message = (error as? StoreError)?.description ?? String(describing: error)
        await state.setStorage(.failing(message), writer: .history)
        if !failing { logger.error("History write failed", metadata: ["activity": "\(activity)", "error": "\(message)"]) }
        failing = true
    }
}
