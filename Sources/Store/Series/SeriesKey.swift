import EtlworksAPI
import Foundation

/// How a series' values behave: a gauge goes up and down; a counter only rises, except when
/// its source resets, so its rollups also keep a reset-aware increase.
public enum SeriesKind: Int64, Sendable {
    case gauge = 0
    case counter = 1
}

/// One label of a series.
public struct SeriesLabel: Hashable, Sendable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: SeriesLabel, rhs: SeriesLabel) -> Bool {
        lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name
    }
}

/// The identity of a series: its name and its labels, sorted by label name.
public struct SeriesKey: Hashable, Sendable {
    public let name: String
    public let labels: [SeriesLabel]

    public init(_ name: String, _ labels: [SeriesLabel] = []) {
        self.name = name
        self.labels = labels.sorted()
    }

    /// The labels as stored: a JSON object with keys in sorted order, so that equal label
    /// sets have equal text and the table's UNIQUE constraint identifies the series.
    public var canonicalLabels: String {
        var text = "{"
        for (index, label) in labels.enumerated() {
            if index > 0 { text += "," }
            JSONString.append(label.name, to: &text)
            text += ":"
            JSONString.append(label.value, to: &text)
        }
        return text + "}"
    }

    /// The labels of a stored series; nil when the text is not a JSON object of strings.
    public static func labels(fromCanonical text: String) -> [SeriesLabel]? {
        guard case .object(let members)? = try? JSONValue.parse(Data(text.utf8)) else { return nil }
        var labels: [SeriesLabel] = []
        for (name, value) in members {
            guard case .string(let string) = value else { return nil }
            labels.append(SeriesLabel(name, string))
        }
        return labels.sorted()
    }
}

/// One observed value of a series.
public struct Sample: Sendable, Equatable {
    public var key: SeriesKey
    public var kind: SeriesKind
    public var value: Double

    public init(_ key: SeriesKey, _ kind: SeriesKind, _ value: Double) {
        self.key = key
        self.kind = kind
        self.value = value
    }
}
