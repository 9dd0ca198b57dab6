/// A tiny deterministic hash/RNG: the same seed gives the same tenant on every machine.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A uniform double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A stateless hash of several values, for per-run properties.
    static func hash(_ values: UInt64...) -> UInt64 {
        var result: UInt64 = 0x243F_6A88_85A3_08D3
        for value in values { result = mix(result ^ value &+ 0x9E37_79B9_7F4A_7C15) }
        return result
    }

    /// A uniform double in [0, 1) from a hash.
    static func unit(_ values: UInt64...) -> Double {
        var result: UInt64 = 0x243F_6A88_85A3_08D3
        for value in values { result = mix(result ^ value &+ 0x9E37_79B9_7F4A_7C15) }
        return Double(result >> 11) / Double(1 << 53)
    }

    private static func mix(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
