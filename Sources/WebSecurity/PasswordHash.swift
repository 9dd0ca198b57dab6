import HummingbirdBcrypt

/// A bcrypt hash from the web configuration (`$2a$`, `$2b$` or `$2y$`, as htpasswd writes).
/// Checking is OpenBSD's C code through hummingbird-auth's `HummingbirdBcrypt`.
struct PasswordHash: Sendable, Equatable {
    let text: String
    /// log2 of the rounds: each step up doubles the time a check takes.
    let cost: Int

    /// Checks above this cost are refused by `check-config` (seconds each: a few wrong
    /// passwords would hold every scrape back); above `costWarning` it warns.
    static let costLimit = 16
    static let costWarning = 12

    init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, text.hasPrefix("$2a$") || text.hasPrefix("$2b$") || text.hasPrefix("$2y$"),
            bytes[6] == UInt8(ascii: "$"), let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)),
            (4...31).contains(cost),
            bytes[7...].allSatisfy({ Self.alphabet.contains($0) })
        else { return nil }
        self.text = text
        self.cost = cost
    }

    /// Whether `password` is the one hashed. `$2y$` (htpasswd's PHP tag) is the same algorithm
    /// as `$2b$`, which is how the C code knows it.
    func verify(_ password: String) -> Bool {
        Bcrypt.verify(password, hash: text.hasPrefix("$2y$") ? "$2b$" + text.dropFirst(4) : text)
    }

    private static let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
}
