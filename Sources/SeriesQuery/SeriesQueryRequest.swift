import ExporterBase
import Foundation
import Store

/// The parameters of `GET /api/v1/series`, validated before anything is read.
public struct SeriesQueryRequest: Sendable, Equatable {
    public var selector: SeriesSelector
    /// Epoch seconds; `to` is exclusive.
    public var from: Int64
    public var to: Int64
    public var step: Int64
    public var tier: RollupTier

    /// Parses query parameters. `from`/`to` take RFC 3339 or epoch seconds (`to` defaults
    /// to now, `from` to an hour before `to`); `step` takes seconds or a duration such as
    /// `5m` (default: about 250 points over the range); `tier` defaults to the coarsest that
    /// still resolves `step`.
    public static func parse(
        _ parameters: [String: String], now: Int64,
        limits: SeriesQueryLimits
    ) throws(SeriesQueryError) -> SeriesQueryRequest {
        guard let match = parameters["match"], !match.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SeriesQueryError(
                parameter: "match", message: "is required, e.g. match=etlworks_flow_runs_total{status=\"error\"}")
        }
        let selector: SeriesSelector
        do {
            selector = try SeriesSelector.parse(match)
        } catch {
            throw SeriesQueryError(parameter: "match", message: error.message)
        }
        let to = try parameters["to"].map { text throws(SeriesQueryError) in try time(text, parameter: "to") } ?? now
        let from = try parameters["from"].map { text throws(SeriesQueryError) in try time(text, parameter: "from") } ?? to - 3600
        guard from < to else {
            throw SeriesQueryError(parameter: "from", message: "must be before to (from=\(from), to=\(to))")
        }
        let step: Int64
        if let text = parameters["step"] {
            guard let seconds = Double(text) ?? DurationText.seconds(text), seconds.isFinite else {
                throw SeriesQueryError(
                    parameter: "step", message: "'\(text)' is not a number of seconds or a duration such as 5m")
            }
            guard seconds >= 1, seconds <= 100 * 365 * 86400 else {
                throw SeriesQueryError(parameter: "step", message: "'\(text)' must be at least 1 second")
            }
            step = Int64(seconds)
        } else {
            step = max(1, (to - from + 249) / 250)
        }
        let tier: RollupTier
        if let text = parameters["tier"] {
            guard let named = RollupTier(rawValue: text) else {
                throw SeriesQueryError(parameter: "tier", message: "'\(text)' must be one of raw, 5m, 1h, 1d")
            }
            tier = named
        } else {
            tier = RollupTier.resolving(step: step)
        }
        let points = BucketConsolidator.windowCount(from: from, to: to, step: step)
        guard points <= limits.maxPoints else {
            throw SeriesQueryError(
                parameter: "step",
                message:
                    "the range at this step gives \(points) points per series, more than the maximum of \(limits.maxPoints); raise step or shorten the range"
            )
        }
        return SeriesQueryRequest(selector: selector, from: from, to: to, step: step, tier: tier)
    }

    /// Epoch seconds from RFC 3339 (`2026-11-29T10:00:00Z`, fractions and offsets allowed)
    /// or a number of seconds.
    /// Times before 1970 are refused: nothing is stored there, and a range reaching back to
    /// year 1 is a mistake (or an attack) to name, not to scan.
    package static func time(_ text: String, parameter: String) throws(SeriesQueryError) -> Int64 {
        var seconds: Int64?
        if let number = Double(text), number.isFinite, abs(number) < 1e13 {
            seconds = Int64(number.rounded(.down))
        }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]]
        where seconds == nil {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { seconds = Int64(date.timeIntervalSince1970.rounded(.down)) }
        }
        guard let seconds else {
            throw SeriesQueryError(
                parameter: parameter, message: "'\(text)' is neither RFC 3339 (2026-11-29T10:00:00Z) nor epoch seconds")
        }
        guard seconds >= 0 else {
            throw SeriesQueryError(
                parameter: parameter, message: "'\(text)' is before 1970-01-01T00:00:00Z; nothing is stored there")
        }
        return seconds
    }
}
