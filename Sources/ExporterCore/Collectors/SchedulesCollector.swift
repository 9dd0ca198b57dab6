import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import Vocabulary

/// Reads flow schedules (`GET /v1/schedules`): which flows are scheduled (their `kind`), their
/// cadence and expected run time (the expectation metrics, `missed_schedule`,
/// `max_duration: schedule`).
public struct SchedulesCollector: Collector {
    public let resource = Resource.schedules
    let context: CollectorContext

    public init(context: CollectorContext, logger: Logger) {
        self.context = context
        let unit = context.config.api.scheduleIntervalUnit
        logger.info(
            "Schedules given as a number are read in \(unit.rawValue) (etlworks.schedule_interval_unit)",
            metadata: ["etlworks.schedule_interval_unit": "\(unit.rawValue)"])
    }

    public func collect() async throws -> Int {
        let page = try await context.client.schedules()
        let unit = context.config.api.scheduleIntervalUnit
        await context.state.setSchedules(page.items.map { Self.inSeconds($0, unit: unit) })
        return page.skipped
    }

    /// The schedule with an interval converted to seconds (what the SLA conditions read);
    /// cron expressions are left as they are.
    static func inSeconds(_ schedule: FlowSchedule, unit: ScheduleIntervalUnit) -> FlowSchedule {
        guard unit != .seconds, let text = schedule.schedule,
            let interval = Double(text.trimmingCharacters(in: .whitespaces))
        else { return schedule }
        var converted = schedule
        converted.schedule = String(interval * unit.seconds)
        return converted
    }
}
