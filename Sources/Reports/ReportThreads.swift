import BlockingThreads
import Foundation

/// The threads a usage report reads the database on: one per slice of the month's runs (at
/// most four), kept for the life of the process (a report is asked for again and again).
enum ReportThreads {
    static let count = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    static let shared = BlockingThreads(name: "report", count: count)
}
