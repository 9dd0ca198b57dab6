import EtlworksAPI

/// Kinds of runs counted per flow besides their status.
public enum RunKind: Int64, Sendable, CaseIterable {
    /// An automatic retry of a failed run.
    case retry = 1
    /// Started by a person or the API, not the scheduler.
    case manual = 2

    func applies(to run: FlowRun) -> Bool {
        switch self {
        case .retry: return run.isRetry
        case .manual: return run.isManual
        }
    }

    /// The kind as a bit of the runs table's `kinds` (kind 1 is bit 0, kind 2 bit 1): what
    /// one answer said about a run is kept when a later answer leaves the field out.
    var bit: Int64 { 1 << (rawValue - 1) }

    static func bits(of run: FlowRun) -> Int64 {
        allCases.reduce(0) { bits, kind in kind.applies(to: run) ? bits | kind.bit : bits }
    }
}
