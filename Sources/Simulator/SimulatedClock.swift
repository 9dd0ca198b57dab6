import Foundation

/// The simulator's notion of now: real time shifted by `offset`, optionally frozen, so that
/// tests can stop new runs from appearing or jump ahead by hours.
struct SimulatedClock: Sendable {
    private var offset: Int64 = 0
    private var frozenAt: Int64?

    static func realNow() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    func now() -> Int64 { frozenAt ?? Self.realNow() + offset }

    var isPaused: Bool { frozenAt != nil }

    mutating func pause() { if frozenAt == nil { frozenAt = now() } }

    mutating func resume() {
        if let frozenAt {
            offset = frozenAt - Self.realNow()
            self.frozenAt = nil
        }
    }

    mutating func advance(milliseconds: Int64) {
        if let frozenAt { self.frozenAt = frozenAt + milliseconds } else { offset += milliseconds }
    }
}
