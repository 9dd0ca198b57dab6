import Exposition

/// The process metrics every Prometheus client library exports, named as they name them, so
/// that the dashboards and alerts written for any exporter's process work on this one.
public enum ProcessFamilies {
    public static let cpu = MetricDescriptor(
        "process_cpu_seconds", .counter, help: "Total user and system CPU time spent in seconds.")
    public static let residentMemory = MetricDescriptor(
        "process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
    public static let virtualMemory = MetricDescriptor(
        "process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
    public static let openFds = MetricDescriptor("process_open_fds", .gauge, help: "Number of open file descriptors.")
    public static let maxFds = MetricDescriptor(
        "process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
    public static let startTime = MetricDescriptor(
        "process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")

    public static let all = [cpu, residentMemory, virtualMemory, openFds, maxFds, startTime]
}
