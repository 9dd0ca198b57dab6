import EtlworksAPI
import Exposition

/// A flow as the store knows it: from the flow list, or from its runs until the list has it.
public struct FlowRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var flowType: String?
    public var tags: [String]

    public init(id: Int64, name: String, flowType: String? = nil, tags: [String] = []) {
        self.id = id
        self.name = name
        self.flowType = flowType
        self.tags = tags
    }
}

/// Everything exported about one flow, derived from its stored runs.
public struct FlowMetrics: Sendable, Equatable {
    public var flow: FlowRecord
    /// Completed runs by status.
    public var completedRuns: [RunStatus: Int64] = [:]
    /// Records processed by completed runs.
    public var recordsProcessed: Int64 = 0
    /// Completed runs with a known duration, per bucket of the store's `DurationBuckets`
    /// (+Inf last); not cumulative.
    public var durationBucketCounts: [UInt64]
    /// Sum of those durations, seconds.
    public var durationSumSeconds: Double = 0
    /// The same durations in native-histogram buckets, at the store's schema.
    public var nativeDuration: NativeHistogram?
    /// The most recently ended run.
    public var lastEnd: Int64?
    public var lastDurationSeconds: Double?
    public var lastStatus: RunStatus?
    /// End of the most recent successful run.
    public var lastSuccessEnd: Int64?
    /// Open runs.
    public var running: Int64 = 0
    public var queued: Int64 = 0
    /// Runs shown `canceled` whose final status has not settled yet.
    public var stopping: Int64 = 0
    /// Completed runs that were retries, or started by hand.
    public var completedRunsByKind: [RunKind: Int64] = [:]
    /// Start of the oldest running run, epoch ms.
    public var oldestRunningStart: Int64?
    /// Queue time of the oldest queued run, epoch ms.
    public var oldestQueuedCreated: Int64?
    /// The latest time an open run was queued or started, epoch ms.
    public var newestOpenStart: Int64?

    public init(flow: FlowRecord, durationBuckets: Int = DurationBuckets.standard.count) {
        self.flow = flow
        durationBucketCounts = Array(repeating: 0, count: durationBuckets)
    }
}

/// What one ingestion changed.
public struct IngestSummary: Sendable, Equatable {
    /// Runs not seen before.
    public var inserted = 0
    /// Runs that completed with this batch (counted into the totals now).
    public var completed = 0
    /// Open runs whose status or times changed.
    public var updated = 0
    /// Runs already stored as they are.
    public var unchanged = 0
    /// The runs counted by this ingestion (those in `completed`).
    public var completedRuns: [CompletedRun] = []
    /// The audit ids of the batch's runs that are final in the store now (counted, never
    /// to change): a later listing of them can be passed over.
    public var settled: [Int64] = []
    /// Per schedule (`eventId`), the latest start (or queue time) of a run of the batch it
    /// fired, epoch ms, whatever the run's state.
    public var scheduledStarts: [Int64: Int64] = [:]

    public init() {}
}

/// An open run, for reconciling runs the poll no longer lists.
public struct OpenRun: Sendable, Equatable {
    public var auditId: Int64
    public var flowId: Int64
    /// When it was queued and started, epoch ms.
    public var created: Int64?
    public var started: Int64?
}

/// Where a per-flow history poll should resume.
public struct HistoryCursor: Sendable, Equatable {
    /// Latest start (or queue time) stored for the flow.
    public var latest: Int64?
    /// Earliest start of a run still open.
    public var oldestOpen: Int64?
}

/// A completed run as SLA windows need it: when it ended, how long it ran, how it ended.
public struct CompletedRun: Sendable, Equatable {
    public var flowId: Int64
    /// End time, epoch ms (the time it was seen completed when the API gave none).
    public var endMs: Int64
    /// When it was queued or started, epoch ms.
    public var startMs: Int64?
    /// Run time, ms, when both ends are known.
    public var durationMs: Int64?
    public var status: RunStatus

    public init(flowId: Int64, endMs: Int64, startMs: Int64?, durationMs: Int64?, status: RunStatus) {
        self.flowId = flowId
        self.endMs = endMs
        self.startMs = startMs
        self.durationMs = durationMs
        self.status = status
    }
}

/// A stored run's times, epoch ms; `ended` nil while it is open.
public struct RunTimes: Sendable, Equatable {
    public var created: Int64?
    public var started: Int64?
    public var ended: Int64?
    public var status: RunStatus
    /// The schedule that fired it.
    public var eventId: Int64?

    public init(created: Int64?, started: Int64?, ended: Int64?, status: RunStatus, eventId: Int64? = nil) {
        self.created = created
        self.started = started
        self.ended = ended
        self.status = status
        self.eventId = eventId
    }
}
