/// Sample values as both text formats accept them.
enum NumberFormatting {
    /// Appends `value`: integers without a fraction, `+Inf`/`-Inf`/`NaN`, and otherwise the
    /// shortest text that reads back as the same double.
    static func append(_ value: Double, to buffer: inout [UInt8]) {
        if value.isNaN {
            buffer.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            buffer.append(contentsOf: (value > 0 ? "+Inf" : "-Inf").utf8)
        } else if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value), to: &buffer)
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    /// The canonical OpenMetrics form of a bucket bound: `1.0`, `0.25`, `+Inf`.
    static func canonical(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        return value.description
    }

    private static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        // Digits fill the tuple from its end, then go into the buffer in one copy.
        var start = 20
        withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                start -= 1
                raw[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }
}
