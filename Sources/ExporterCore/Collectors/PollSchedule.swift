/// When to poll next: the interval with ±10% jitter (so that many exporters do not poll in
/// step), doubled per consecutive failure up to 16 intervals (at most 15 minutes, never less
/// than one interval), and never before a Retry-After the API asked for.
public enum PollSchedule {
    public static func delay(interval: Double, consecutiveFailures: Int, retryAfter: Double?, unit: Double) -> Double {
        var base = interval
        if consecutiveFailures > 0 {
            let factor = Double(1 << min(consecutiveFailures, 4))
            base = min(interval * factor, max(interval, 900))
        }
        if let retryAfter { base = max(base, retryAfter) }
        return base * (0.9 + 0.2 * min(max(unit, 0), 1))
    }
}
