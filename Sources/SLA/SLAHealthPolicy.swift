import ExporterBase
import Vocabulary

/// How SLA breaches set the /health status, per severity.
public struct SLAHealthPolicy: Sendable, Equatable {
    public var critical: HealthStatus = .fail
    public var warning: HealthStatus = .warn
    public var info: HealthStatus = .pass

    public init() {}

    package func status(for severity: SLASeverity) -> HealthStatus {
        switch severity {
        case .critical: return critical
        case .warning: return warning
        case .info: return info
        }
    }
}
