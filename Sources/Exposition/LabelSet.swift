/// Label pairs rendered once into the bytes that go between the braces
/// (`flow_id="7",flow_name="a \"b\""`), so that a scrape of thousands of series copies
/// bytes instead of escaping the same names again.
public struct LabelSet: Sendable, Equatable {
    /// The rendered pairs, without braces.
    public private(set) var bytes: [UInt8]

    /// The empty set.
    public static let empty = LabelSet(bytes: [])

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Renders `pairs` in the given order. Names must be valid label names (they are
    /// constants of this program); values may be any text and are escaped.
    public init(_ pairs: [(String, String)]) {
        bytes = []
        for (name, value) in pairs { append(name, value) }
    }

    /// This set with one more pair at the end.
    public func adding(_ name: String, _ value: String) -> LabelSet {
        var copy = self
        copy.append(name, value)
        return copy
    }

    /// This set followed by the pairs of `other`.
    public func adding(_ other: LabelSet) -> LabelSet {
        guard !other.bytes.isEmpty else { return self }
        var copy = self
        if !copy.bytes.isEmpty { copy.bytes.append(UInt8(ascii: ",")) }
        copy.bytes.append(contentsOf: other.bytes)
        return copy
    }

    /// Adds a pair at the end, in place.
    public mutating func append(_ name: String, _ value: String) {
        assert(LabelSet.isValidName(name), "invalid label name \(name)")
        if !bytes.isEmpty { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: #"=""#.utf8)
        LabelSet.appendEscaped(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `value` escaped for a label value: backslash, double quote and line feed.
    static func appendEscaped(_ value: String, to buffer: inout [UInt8]) {
        // Most values need no escaping: one copy instead of a checked append per byte.
        let plain = value.utf8.withContiguousStorageIfAvailable { bytes in
            guard !bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") })
            else { return false }
            buffer.append(contentsOf: bytes)
            return true
        }
        if plain == true { return }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\""): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: buffer.append(byte)
            }
        }
    }

    /// Each pair's name and value (unescaped), in order.
    func forEachPair(_ body: (ArraySlice<UInt8>, [UInt8]) -> Void) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let nameStart = index
            while bytes[index] != UInt8(ascii: "=") { index += 1 }
            let name = bytes[nameStart..<index]
            index += 2 // `="`
            var value: [UInt8] = []
            while bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") {
                    index += 1
                    value.append(bytes[index] == UInt8(ascii: "n") ? UInt8(ascii: "\n") : bytes[index])
                } else {
                    value.append(bytes[index])
                }
                index += 1
            }
            body(name, value)
            index += 2 // `"` and `,`
        }
    }

    /// Whether `name` matches `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
