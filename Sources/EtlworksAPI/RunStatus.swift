import Foundation

/// The status of one flow run, as the exporter understands it.
///
/// The API's `FlowStatus` enum, matched case-insensitively, plus `unknown` for anything else
/// (an unknown status must never fail the decoding of a page).
public enum RunStatus: String, Sendable, CaseIterable, Comparable {
    case queued, running, success, warning, error, canceled, unknown

    /// The statuses a finished run can have, in exposition order.
    public static let completedStatuses: [RunStatus] = [.success, .warning, .error, .canceled, .unknown]

    /// Whether the run is waiting or executing.
    public var isOpen: Bool { self == .queued || self == .running }

    /// Parses a status string case-insensitively; unrecognised text becomes `unknown`.
    public init(text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "queued", "pending", "waiting": self = .queued
        case "running", "started", "in_progress", "in progress": self = .running
        case "success", "succeeded", "successful", "ok", "completed": self = .success
        case "warning", "warn": self = .warning
        case "error", "failed", "failure", "errored": self = .error
        case "canceled", "cancelled": self = .canceled
        default: self = .unknown
        }
    }

    /// Maps the integer status some run responses carry:
    /// 0 started, 1 running, 2 canceled, 3 not running, 4 success, 5 error.
    public init(code: Int64) {
        switch code {
        case 0, 1: self = .running
        case 2: self = .canceled
        case 3: self = .queued
        case 4: self = .success
        case 5: self = .error
        default: self = .unknown
        }
    }

    /// Decodes a status from a JSON string or integer; anything else is `unknown`.
    public init(json: JSONValue?) {
        switch json {
        case .string(let text)?:
            if let code = Int64(text) { self.init(code: code) } else { self.init(text: text) }
        case .integer(let code)?: self.init(code: code)
        default: self = .unknown
        }
    }

    public static func < (lhs: RunStatus, rhs: RunStatus) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
