/// How SLA breaches set the /health status, per severity.
public struct SLAHealthPolicy: Sendable, Equatable {
    public var critical: HealthReport.Status = .fail
    public var warning: HealthReport.Status = .warn
    public var info: HealthReport.Status = .pass

    public init() {}

    func status(for severity: SLASeverity) -> HealthReport.Status {
        switch severity {
        case .critical: return critical
        case .warning: return warning
        case .info: return info
        }
    }
}
