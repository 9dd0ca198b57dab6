import ExporterBase
import Foundation

/// The table `etlworks-exporter sla status` prints, from the JSON of `GET /api/v1/sla`.
/// Pure: reads the same `SLADocument` the server writes.
public enum SLAStatusTable {
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Rows for every result not ok (every result with `all`), worst first, then one line
    /// per rule with its counts.
    public static func render(_ answer: Data, all: Bool = false) throws -> String {
        guard let document = try? JSONDecoder().decode(SLADocument.self, from: answer) else {
            throw Malformed(description: "the answer is not an SLA document (no results)")
        }
        let results = document.results
        func rank(_ entry: SLAResultEntry) -> (Int, Int) {
            let state = ["breaching": 0, "pending": 1, "ok": 2][entry.state] ?? 3
            let severity = ["critical": 0, "warning": 1, "info": 2][entry.severity] ?? 3
            return (state, severity)
        }
        let shown = results.filter { all || $0.state != "ok" }.sorted { rank($0) < rank($1) }
        var rows: [[String]] = [
            ["STATE", "SEVERITY", "SLA", "TARGET", "VALUE", "THRESHOLD", "COMPLIANCE 30D", "COMPLIANCE MONTH", "SINCE"]
        ]
        for entry in shown {
            var name = entry.target.kind == "tenant" ? "tenant" : "\(entry.target.kind) \(entry.target.name)"
            if let tenant = entry.tenantId { name += " (tenant \(tenant))" }
            rows.append([
                entry.state, entry.severity, entry.sla, printable(name), number(entry.value), number(entry.threshold),
                entry.compliance30d.map(PercentText.format) ?? "", entry.complianceMonth.map(PercentText.format) ?? "",
                entry.since ?? ""
            ])
        }
        var out = ""
        if let time = document.evaluatedAt { out += "evaluated at \(time)\n" } else { out += "not evaluated yet\n" }
        let breaching = results.filter { $0.state == "breaching" }.count
        let pending = results.filter { $0.state == "pending" }.count
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

    private static func number(_ value: Double?) -> String { value.map(NumberText.format) ?? "" }

    /// Control characters in a hostile name must not move a terminal's cursor.
    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }
}
