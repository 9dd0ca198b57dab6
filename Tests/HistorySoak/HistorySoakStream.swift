import EtlworksAPI
import Store

/// The deterministic stream HistorySoak writes; the test recomputes it to check the file.
enum HistorySoakStream {
    static let start: Int64 = 1_699_920_000 // a UTC midnight
    /// A gauge holding the batch number.
    static let clockSeries = "soak_batch"

    static func samples(batch: Int64) -> [Sample] {
        var samples = [Sample(SeriesKey(clockSeries), .gauge, Double(batch))]
        for index in 0..<40 {
            // Every ninth series is missing for 50 polls now and then, like a deleted flow.
            if (batch / 50 + Int64(index)) % 9 == 0 { continue }
            // Counters rise every few polls and restart every 700, staggered, like a source
            // that restarts; gauges change now and then.
            let sinceReset = (batch + Int64(index) * 37) % 700
            samples.append(
                Sample(
                    SeriesKey("soak_total", [SeriesLabel("n", String(index))]), .counter,
                    Double(sinceReset / Int64(1 + index % 4) * Int64(index + 1))))
            samples.append(
                Sample(
                    SeriesKey("soak_gauge", [SeriesLabel("n", String(index))]), .gauge,
                    Double(((batch / Int64(1 + index % 13)) &* 2_654_435_761 &+ Int64(index)) % 7)))
        }
        return samples
    }

    /// Ten runs start in each batch and finish in the next, some failing.
    static func runs(batch: Int64) -> [FlowRun] {
        var runs: [FlowRun] = []
        let time = (start + batch * 60) * 1000
        for index in 0..<10 {
            runs.append(
                FlowRun(
                    auditId: batch * 10 + Int64(index), flowId: Int64(index % 3), flowName: "soak",
                    status: .running, created: time, started: time))
            if batch > 0 {
                runs.append(
                    FlowRun(
                        auditId: (batch - 1) * 10 + Int64(index), flowId: Int64(index % 3), flowName: "soak",
                        status: index == 7 ? .error : .success, created: time - 60_000, started: time - 60_000,
                        ended: time - 1000, records: Int64(index)))
            }
        }
        return runs
    }
}
