/// bcrypt password hashes (`$2a$`, `$2b$`, `$2y$`), as the Prometheus exporter-toolkit's web
/// configuration stores them: verification only. Pure; checked against Python's `bcrypt`.
enum Bcrypt {
    /// Whether `password` matches `hash`. A malformed hash matches nothing. The final
    /// comparison takes the same time wherever the hashes differ.
    static func verify(_ password: String, hash: String) -> Bool {
        guard let parsed = Parsed(hash),
            let computed = digest(password: Array(password.utf8), cost: parsed.cost, salt: parsed.salt)
        else {
            return false
        }
        var difference: UInt8 = 0
        for (a, b) in zip(computed, parsed.digest) { difference |= a ^ b }
        return difference == 0 && computed.count == parsed.digest.count
    }

    /// The cost, salt and digest of a hash string.
    struct Parsed {
        var cost: Int
        var salt: [UInt8]
        var digest: [UInt8]

        init?(_ text: String) {
            let bytes = Array(text.utf8)
            guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
                [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
                bytes[6] == UInt8(ascii: "$"),
                let tens = Self.digit(bytes[4]), let ones = Self.digit(bytes[5]),
                let salt = Bcrypt.decode(bytes[7..<29], count: 16),
                let digest = Bcrypt.decode(bytes[29..<60], count: 23)
            else { return nil }
            cost = tens * 10 + ones
            guard (4...31).contains(cost) else { return nil }
            self.salt = salt
            self.digest = digest
        }

        private static func digit(_ byte: UInt8) -> Int? {
            (48...57).contains(byte) ? Int(byte - 48) : nil
        }
    }

    /// The 23-byte bcrypt digest of `password` (NUL-terminated, at most 72 bytes used).
    static func digest(password: [UInt8], cost: Int, salt: [UInt8]) -> [UInt8]? {
        guard salt.count == 16, (4...31).contains(cost) else { return nil }
        let key = Array((password + [0]).prefix(72))
        var state = BlowfishState()
        state.expand(key: key, salt: salt)
        for _ in 0..<(1 << cost) {
            state.expand(key: key, salt: nil)
            state.expand(key: salt, salt: nil)
        }
        // "OrpheanBeholderScryDoubt", encrypted 64 times.
        var words: [UInt32] = [0x4f72_7068, 0x6561_6e42, 0x6568_6f6c, 0x6465_7253, 0x6372_7944, 0x6f75_6274]
        for _ in 0..<64 {
            for block in stride(from: 0, to: 6, by: 2) {
                var (left, right) = (words[block], words[block + 1])
                state.encipher(&left, &right)
                (words[block], words[block + 1]) = (left, right)
            }
        }
        var output: [UInt8] = []
        for word in words {
            output += [
                UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word)
            ]
        }
        return Array(output.prefix(23))
    }

    private static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    /// bcrypt's base64 (its own alphabet, no padding) to `count` bytes.
    static func decode(_ text: ArraySlice<UInt8>, count: Int) -> [UInt8]? {
        var bits: UInt32 = 0, bitCount = 0
        var output: [UInt8] = []
        for byte in text {
            let value = values[Int(byte)]
            guard value >= 0 else { return nil }
            bits = (bits << 6) | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
            }
        }
        return output.count >= count ? Array(output.prefix(count)) : nil
    }
}

/// Blowfish's key schedule as bcrypt's expensive variant uses it.
struct BlowfishState {
    private var p = BlowfishTables.p
    private var s = BlowfishTables.s

    /// XORs `key` (cycled) into the P-array, then replaces every subkey by encrypting a
    /// running block, mixed with `salt` (cycled) when given.
    mutating func expand(key: [UInt8], salt: [UInt8]?) {
        var keyIndex = 0
        for index in 0..<18 { p[index] ^= Self.word(key, &keyIndex) }
        var left: UInt32 = 0, right: UInt32 = 0
        var saltIndex = 0
        for index in stride(from: 0, to: 18, by: 2) {
            if let salt {
                left ^= Self.word(salt, &saltIndex)
                right ^= Self.word(salt, &saltIndex)
            }
            encipher(&left, &right)
            p[index] = left
            p[index + 1] = right
        }
        for index in stride(from: 0, to: 1024, by: 2) {
            if let salt {
                left ^= Self.word(salt, &saltIndex)
                right ^= Self.word(salt, &saltIndex)
            }
            encipher(&left, &right)
            s[index] = left
            s[index + 1] = right
        }
    }

    mutating func encipher(_ left: inout UInt32, _ right: inout UInt32) {
        var l = left, r = right
        p.withUnsafeBufferPointer { p in
            s.withUnsafeBufferPointer { s in
                @inline(__always) func f(_ x: UInt32) -> UInt32 {
                    ((s[Int(x >> 24)] &+ s[256 + Int((x >> 16) & 0xff)]) ^ s[512 + Int((x >> 8) & 0xff)])
                        &+ s[768 + Int(x & 0xff)]
                }
                l ^= p[0]
                for round in stride(from: 1, through: 16, by: 2) {
                    r ^= f(l) ^ p[round]
                    l ^= f(r) ^ p[round + 1]
                }
                r ^= p[17]
            }
        }
        left = r
        right = l
    }

    /// The next 4 bytes of `data`, cycling, big-endian.
    private static func word(_ data: [UInt8], _ index: inout Int) -> UInt32 {
        var word: UInt32 = 0
        for _ in 0..<4 {
            word = (word << 8) | UInt32(data[index])
            index = (index + 1) % data.count
        }
        return word
    }
}
