/// What the exporter knows of a change-data-capture flow's stream, built up from the
/// running-tasks answers of its runs. Pure: `observe` folds one answer in.
///
/// `recordsProcessed` is a counter that only grows: the sum of the increases of the tasks'
/// own counters, which start again from zero when a task restarts or a new run begins.
public struct StreamStatus: Sendable, Equatable, Codable {
    /// The run whose tasks were read last.
    public var auditId: Int64?
    /// When that run started, epoch ms.
    public var runStarted: Int64?
    /// Whether a stream task answered at the last read (nil: no run is running).
    public var up: Bool?
    /// The stream's latency at the last read, seconds (nil while not up).
    public var latencySeconds: Double?
    /// Records processed, all runs and restarts together.
    public var recordsProcessed: Int64 = 0
    /// The task counter at the last read, to take the next increase from.
    public var lastCounter: Int64?
    /// When the current stream task started, epoch ms.
    public var started: Int64?
    /// When records processed last grew, epoch ms.
    public var lastProgress: Int64?
    /// When a stream task last answered, epoch ms.
    public var lastUp: Int64?

    public init() {}

    /// Folds in one answer about run `auditId` (started `runStarted`) read at `now`: its stream
    /// tasks' total counter, largest latency (seconds) and earliest start; `counter` nil means
    /// no stream task answered.
    public mutating func observe(
        auditId: Int64, runStarted: Int64?, counter: Int64?, latencySeconds: Double?, taskStarted: Int64?, at now: Int64
    ) {
        if auditId != self.auditId {
            // A new run: its tasks count from zero.
            self.auditId = auditId
            self.runStarted = runStarted
            lastCounter = 0
        }
        guard let counter else {
            up = false
            self.latencySeconds = nil
            return
        }
        let previous = lastCounter ?? 0
        // A smaller counter is a restarted task: everything it shows is new.
        let increase = counter >= previous ? counter - previous : counter
        recordsProcessed = recordsProcessed.addingReportingOverflow(increase).overflow ? .max : recordsProcessed + increase
        if increase > 0 { lastProgress = now }
        lastCounter = counter
        up = true
        lastUp = now
        self.latencySeconds = latencySeconds
        started = taskStarted ?? started
    }

    /// No run of the flow is running any more.
    public mutating func ended() {
        up = nil
        latencySeconds = nil
    }

    /// Since when the stream has been quiet, epoch ms: while up, its last progress (or the
    /// run's start, if later); while down, when it was last up, or the run's start when it has
    /// not been up since (the evidence `stream_stalled` counts from). nil while no run runs.
    public var quietSince: Int64? {
        guard let up else { return nil }
        return [up ? lastProgress : lastUp, runStarted].compactMap { $0 }.max()
    }
}
