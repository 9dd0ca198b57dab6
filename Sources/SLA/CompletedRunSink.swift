import Store

/// Something that follows completed runs as they are stored.
public protocol CompletedRunSink: Sendable {
    func add(_ runs: [CompletedRun]) async
}
