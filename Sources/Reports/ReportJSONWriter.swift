import EtlworksAPI

/// Writes pretty-printed JSON in the order fields are written, fast enough for thousands of
/// flows (Foundation's serializer spends a second sorting keys with ICU at 2,000 flows).
/// Pure; non-finite numbers become null.
struct ReportJSONWriter {
    private(set) var text = ""
    private var depth = 0
    /// Whether the current container already holds a value (a comma goes before the next).
    private var filled: [Bool] = []

    init() { text.reserveCapacity(1 << 16) }

    mutating func object(_ key: String? = nil, _ body: (inout ReportJSONWriter) -> Void) {
        open(key, "{")
        body(&self)
        close("}")
    }

    mutating func array(_ key: String? = nil, _ body: (inout ReportJSONWriter) -> Void) {
        open(key, "[")
        body(&self)
        close("]")
    }

    mutating func field(_ key: String?, _ value: String?) {
        prefix(key)
        if let value { JSONString.append(value, to: &text) } else { text += "null" }
    }

    mutating func field(_ key: String?, _ value: Int64?) {
        prefix(key)
        text += value.map(String.init) ?? "null"
    }

    mutating func field(_ key: String?, _ value: Int) { field(key, Int64(value)) }

    mutating func field(_ key: String?, _ value: Double?) {
        prefix(key)
        guard let value, value.isFinite else { text += "null"; return }
        text += value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    mutating func field(_ key: String?, _ value: Bool) {
        prefix(key)
        text += value ? "true" : "false"
    }

    mutating func strings(_ key: String, _ values: [String]) {
        array(key) { writer in for value in values { writer.field(nil, value) } }
    }

    private mutating func open(_ key: String?, _ bracket: String) {
        prefix(key)
        text += bracket
        depth += 1
        filled.append(false)
    }

    private mutating func close(_ bracket: String) {
        depth -= 1
        if filled.removeLast() { newline() }
        text += bracket
    }

    private mutating func prefix(_ key: String?) {
        if let last = filled.last {
            if last { text += "," }
            filled[filled.count - 1] = true
            newline()
        }
        if let key {
            JSONString.append(key, to: &text)
            text += ": "
        }
    }

    private mutating func newline() {
        text += "\n"
        text += String(repeating: "  ", count: depth)
    }
}
