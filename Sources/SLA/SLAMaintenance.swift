import EtlworksAPI
import ExporterBase
import Foundation
import SLAStore
import Store
import Vocabulary

/// What maintenance windows mean for one evaluation: which flows are in an active window now
/// (no breach starts for them), and the observed time of each covered flow with the windows'
/// time taken out (its compliance counts neither for nor against it). Pure.
struct SLAMaintenance {
    /// Windows active now, with the stretch that holds now.
    var active: [SLAMaintenanceEntry] = []
    /// Flows in an active window now.
    var covered: Set<Int64> = []
    /// Per flow covered by a window that had time in the compliance period, the windows'
    /// indices (flows covered alike share their observed time).
    private var coverage: [Int64: [Int]] = [:]
    private var stretches: [[SLACompliance.Span]] = []
    private var cache: [[Int]: (thirtyDays: SLACompliance.Window, month: SLACompliance.Window)] = [:]

    init() {}

    init(
        _ windows: [MaintenanceWindow], flows: [SLAFlow], kinds: [Int64: FlowKind], now: Double, zone: TimeZone,
        periodStart: Double
    ) {
        guard !windows.isEmpty else { return }
        stretches = windows.map { Self.spans($0, from: periodStart, to: now, in: zone) }
        for (index, window) in windows.enumerated() {
            let now = window.active(at: now, in: zone)
            if let now { active.append(SLAMaintenanceEntry(name: window.name, start: now.start, end: now.end)) }
            guard now != nil || !stretches[index].isEmpty else { continue }
            for flow in flows where window.covers(flow.record, kind: kinds[flow.id]) {
                if now != nil { covered.insert(flow.id) }
                if !stretches[index].isEmpty { coverage[flow.id, default: []].append(index) }
            }
        }
    }

    /// The stretches of `window` in [from, to], as spans of epoch ms.
    static func spans(_ window: MaintenanceWindow, from: Double, to: Double, in zone: TimeZone) -> [SLACompliance.Span] {
        window.stretches(from: from, to: to, in: zone).map {
            SLACompliance.Span(startMs: EpochMillis.from(seconds: $0.start), endMs: EpochMillis.from(seconds: $0.end))
        }
    }

    /// The compliance windows of `target`: `thirtyDays` and `month` less the maintenance
    /// time of the windows covering it.
    mutating func windows(
        for target: SLATarget, thirtyDays: SLACompliance.Window, month: SLACompliance.Window
    ) -> (thirtyDays: SLACompliance.Window, month: SLACompliance.Window) {
        guard target.kind == .flow, let indices = coverage[target.id] else { return (thirtyDays, month) }
        if let cached = cache[indices] { return cached }
        let excluded = indices.flatMap { stretches[$0] }
        let windows = (
            SLACompliance.window(
                observed: thirtyDays.observed, fromMs: thirtyDays.fromMs, toMs: thirtyDays.toMs, excluding: excluded),
            SLACompliance.window(observed: month.observed, fromMs: month.fromMs, toMs: month.toMs, excluding: excluded)
        )
        cache[indices] = windows
        return windows
    }
}

/// A maintenance window active now, as `/api/v1/sla` and `/sla` show it.
public struct SLAMaintenanceEntry: Sendable, Equatable, Codable {
    public var name: String
    /// The current stretch, epoch seconds.
    public var start: Double
    public var end: Double
}
