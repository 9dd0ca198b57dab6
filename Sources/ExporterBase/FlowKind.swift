/// What a flow is, which decides how it is judged: a stream runs until stopped and is judged
/// by its progress and latency, a scheduled flow by its own cadence and run time, a flow run
/// by hand (by the API, by another flow) by its failures only.
public enum FlowKind: String, Sendable, CaseIterable, Hashable {
    /// A change-data-capture stream: it matches `etlworks.streaming_flows`.
    case streaming
    /// It has an enabled schedule in `/v1/schedules`.
    case scheduled
    /// Neither: run by hand, by the API or by another flow.
    case unscheduled

    /// The kind of a flow from what is known of it; streaming wins over a schedule (a CDC flow
    /// is often started by one).
    public static func of(streaming: Bool, scheduled: Bool) -> FlowKind {
        streaming ? .streaming : scheduled ? .scheduled : .unscheduled
    }
}
