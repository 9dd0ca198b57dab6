import Foundation

/// The table `etlworks-exporter sla status` prints, from the JSON of `GET /api/v1/sla`.
/// Pure: tested on documents without a server.
public enum SLAStatusTable {
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Rows for every result not ok (every result with `all`), worst first, then one line
    /// per rule with its counts.
    public static func render(_ document: Data, all: Bool = false) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: document) as? [String: Any],
            let results = object["results"] as? [[String: Any]]
        else {
            throw Malformed(description: "the answer is not an SLA document (no results)")
        }
        func rank(_ entry: [String: Any]) -> (Int, Int) {
            let state = ["breaching": 0, "pending": 1, "ok": 2][entry["state"] as? String ?? ""] ?? 3
            let severity = ["critical": 0, "warning": 1, "info": 2][entry["severity"] as? String ?? ""] ?? 3
            return (state, severity)
        }
        let shown = results.filter { all || ($0["state"] as? String) != "ok" }.sorted { rank($0) < rank($1) }
        var rows: [[String]] = [["STATE", "SEVERITY", "SLA", "TARGET", "VALUE", "THRESHOLD", "SINCE"]]
        for entry in shown {
            let target = entry["target"] as? [String: Any] ?? [:]
            let kind = target["kind"] as? String ?? ""
            let name = kind == "tenant" ? "tenant" : "\(kind) \(target["name"] as? String ?? "")"
            rows.append([
                entry["state"] as? String ?? "", entry["severity"] as? String ?? "", entry["sla"] as? String ?? "",
                printable(name), number(entry["value"]), number(entry["threshold"]), entry["since"] as? String ?? ""
            ])
        }
        var out = ""
        if let time = object["evaluated_at"] as? String { out += "evaluated at \(time)\n" } else { out += "not evaluated yet\n" }
        let breaching = results.filter { ($0["state"] as? String) == "breaching" }.count
        let pending = results.filter { ($0["state"] as? String) == "pending" }.count
        out +=
            "\(results.count) targets: \(breaching) breaching, \(pending) pending, \(results.count - breaching - pending) ok\n\n"
        if rows.count > 1 {
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                out +=
                    row.enumerated().map { index, cell in
                        index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    }.joined(separator: "  ") + "\n"
            }
        } else {
            out += "nothing breaches or is pending\n"
        }
        return out
    }

    private static func number(_ value: Any?) -> String {
        guard let value = value as? Double ?? (value as? Int).map(Double.init) else { return "" }
        return SLAPage.number(value)
    }

    /// Control characters in a hostile name must not move a terminal's cursor.
    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }
}
