import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What `process_*` reports, read from `/proc` at each scrape as client libraries do
/// (client_golang's procfs collector): CPU time, memory, file descriptors, start time.
public struct ProcessStats: Sendable, Equatable {
    public var cpuSeconds: Double
    public var residentBytes: Double
    public var virtualBytes: Double
    public var startTimeSeconds: Double
    /// nil when `/proc/self/fd` cannot be listed.
    public var openFds: Double?
    /// nil when the limit is `unlimited` or unreadable.
    public var maxFds: Double?

    public init(
        cpuSeconds: Double, residentBytes: Double, virtualBytes: Double, startTimeSeconds: Double, openFds: Double?,
        maxFds: Double?
    ) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.virtualBytes = virtualBytes
        self.startTimeSeconds = startTimeSeconds
        self.openFds = openFds
        self.maxFds = maxFds
    }

    /// Parses `/proc/self/stat` with the boot time (`btime` of `/proc/stat`), the clock ticks
    /// per second and the page size; nil when `stat` is not what Linux writes. Pure.
    public static func parse(
        stat: String, bootTime: Double, ticksPerSecond: Double, pageSize: Double, limits: String?, openFds: Int?
    ) -> ProcessStats? {
        // The command name, field 2, is in parentheses and may hold spaces and parentheses.
        guard let close = stat.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state): field N is fields[N - 3].
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
            let resident = field(24)
        else { return nil }
        return ProcessStats(
            cpuSeconds: (user + system) / ticksPerSecond, residentBytes: resident * pageSize, virtualBytes: virtual,
            startTimeSeconds: bootTime + start / ticksPerSecond, openFds: openFds.map(Double.init),
            maxFds: limits.flatMap(maxOpenFiles))
    }

    /// The soft limit on the "Max open files" line of `/proc/self/limits`.
    static func maxOpenFiles(_ limits: String) -> Double? {
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        return line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Double($0) }
    }

    /// `btime` of `/proc/stat`: when the machine booted, epoch seconds.
    static func bootTime(_ procStat: String) -> Double? {
        procStat.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6)) }
    }

    /// This process's figures now; nil off Linux or when `/proc` cannot be read.
    public static func current() -> ProcessStats? {
        // The boot time does not change: read once.
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let bootTime = Self.boot
        else { return nil }
        let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8)
        let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        return parse(
            stat: stat, bootTime: bootTime, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))),
            pageSize: Double(sysconf(Int32(_SC_PAGESIZE))), limits: limits, openFds: fds)
    }

    /// `btime` of `/proc/stat`, or — where only the process's own `/proc` is visible, as under
    /// the shipped systemd unit's `ProcSubset=pid` — now less the time since boot.
    private static let boot: Double? =
        (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).flatMap(bootTime) ?? bootTimeFromClock()

    /// The boot time from `CLOCK_BOOTTIME`, which needs no file.
    static func bootTimeFromClock() -> Double? {
        var since = timespec()
        guard clock_gettime(CLOCK_BOOTTIME, &since) == 0 else { return nil }
        return Date().timeIntervalSince1970 - (Double(since.tv_sec) + Double(since.tv_nsec) / 1e9)
    }
}
