import Store

/// Something that follows runs as they are stored.
public protocol CompletedRunSink: Sendable {
    func add(_ runs: [CompletedRun]) async
    /// Per schedule (`eventId`), the latest start of a run it fired, epoch ms.
    func noteScheduledStarts(_ starts: [Int64: Int64]) async
}
