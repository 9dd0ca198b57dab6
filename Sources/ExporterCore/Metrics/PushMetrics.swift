import Exposition
import Vocabulary

/// The `etlworks_push_*` families, with `push` configured.
extension MetricsRenderer {
    static func writePush(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        guard let push = snapshot.push else { return }
        writer.family(PushFamilies.received)
        for (event, count) in push.received.sorted(by: { $0.key < $1.key }) {
            writer.sample(.empty, "event", event, Double(count))
        }
        writer.family(PushFamilies.rejected)
        for reason in PushFamilies.Rejection.allCases {
            writer.sample(.empty, "reason", reason.rawValue, Double(push.rejected[reason] ?? 0))
        }
        writer.family(PushFamilies.duplicates)
        writer.sample(.empty, Double(push.duplicates))
        if let last = push.lastEvent {
            writer.family(PushFamilies.lastEvent)
            writer.sample(.empty, last)
        }
        writer.family(PushFamilies.runs)
        writer.sample(.empty, "seen_by", "push", Double(push.runsByPush))
        writer.sample(.empty, "seen_by", "poll", Double(push.runsByPoll))
        writer.sample(.empty, "seen_by", "both", Double(push.runsByBoth))
    }
}
