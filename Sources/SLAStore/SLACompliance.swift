/// The one definition of SLA compliance, used by `etlworks_sla_compliance_ratio`,
/// `/api/v1/sla`, `/sla`, `sla status` and the usage report: the share of observed time in
/// a window during which a (rule, target) was not breaching. Observed time is the time the
/// exporter was evaluating rules on fresh polls (`SLAObservedTime`); a gap in polling, or a
/// stopped exporter, is left out of both the observed time and the breach time. Integer
/// milliseconds throughout, so that every caller gets the same digits. Pure.
public enum SLACompliance {
    /// A stretch of time, epoch milliseconds, `startMs <= endMs`.
    public struct Span: Sendable, Equatable {
        public var startMs: Int64
        public var endMs: Int64

        public init(startMs: Int64, endMs: Int64) {
            self.startMs = startMs
            self.endMs = endMs
        }
    }

    /// The observed time of one window, computed once and shared by every target.
    public struct Window: Sendable, Equatable {
        public let fromMs: Int64
        public let toMs: Int64
        /// Observed spans inside the window, ascending and disjoint.
        public let observed: [Span]
        public let observedMs: Int64
    }

    /// The window [fromMs, toMs] of `observed` (any order; overlaps are merged).
    public static func window(observed: [Span], fromMs: Int64, toMs: Int64) -> Window {
        var clipped: [Span] = []
        for span in observed.sorted(by: { $0.startMs < $1.startMs }) {
            let start = max(span.startMs, fromMs), end = min(span.endMs, toMs)
            guard end > start else { continue }
            if let last = clipped.last, start <= last.endMs {
                clipped[clipped.count - 1].endMs = max(last.endMs, end)
            } else {
                clipped.append(Span(startMs: start, endMs: end))
            }
        }
        return Window(fromMs: fromMs, toMs: toMs, observed: clipped, observedMs: clipped.reduce(0) { $0 + $1.endMs - $1.startMs })
    }

    /// The window [fromMs, toMs] of `observed` less the `excluded` spans (maintenance): time
    /// that counts neither as good nor as bad.
    public static func window(observed: [Span], fromMs: Int64, toMs: Int64, excluding excluded: [Span]) -> Window {
        let cuts = window(observed: excluded, fromMs: fromMs, toMs: toMs).observed
        guard !cuts.isEmpty else { return window(observed: observed, fromMs: fromMs, toMs: toMs) }
        var kept: [Span] = []
        for span in window(observed: observed, fromMs: fromMs, toMs: toMs).observed {
            var start = span.startMs
            for cut in cuts where cut.endMs > start && cut.startMs < span.endMs {
                if cut.startMs > start { kept.append(Span(startMs: start, endMs: cut.startMs)) }
                start = max(start, cut.endMs)
            }
            if span.endMs > start { kept.append(Span(startMs: start, endMs: span.endMs)) }
        }
        return Window(fromMs: fromMs, toMs: toMs, observed: kept, observedMs: kept.reduce(0) { $0 + $1.endMs - $1.startMs })
    }

    /// 1 − breached observed time / observed time, or nil when nothing of the window was
    /// observed. A breach without an end lasts to the end of the window. Overlapping breaches
    /// (which the engine never writes, but a database may hold) count their time once.
    public static func ratio(breaches: [(startMs: Int64, endMs: Int64?)], in window: Window) -> Double? {
        guard window.observedMs > 0 else { return nil }
        var breached: Int64 = 0
        var counted = window.fromMs
        for breach in breaches.sorted(by: { $0.startMs < $1.startMs }) {
            let start = max(breach.startMs, counted), end = min(breach.endMs ?? window.toMs, window.toMs)
            guard end > start else { continue }
            counted = end
            for span in window.observed {
                if span.startMs >= end { break }
                let overlap = min(span.endMs, end) - max(span.startMs, start)
                if overlap > 0 { breached += overlap }
            }
        }
        return max(0, 1 - Double(breached) / Double(window.observedMs))
    }
}
