import EtlworksAPI
import Synchronization

/// The secrets the log scrubs. swift-log is bootstrapped once per process, so its handlers
/// share this box rather than a copy: a SIGHUP that brings a new API key, password or webhook
/// secret replaces the set, and the lines after it scrub the new ones.
public final class LogRedaction: Sendable {
    private let current: Mutex<Redactor>

    public init(secrets: [String]) { current = Mutex(Redactor(secrets: secrets)) }

    /// Replaces the secrets scrubbed from now on.
    public func set(secrets: [String]) { current.withLock { $0 = Redactor(secrets: secrets) } }

    public func scrub(_ text: String) -> String {
        let redactor = current.withLock { $0 }
        return redactor.scrub(text)
    }
}
