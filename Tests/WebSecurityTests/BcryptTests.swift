import Foundation
import Testing

@testable import WebSecurity

/// bcrypt verification against hashes made by Python's `bcrypt` (the OpenBSD algorithm).
@Suite struct BcryptTests {
    static let vectors: [(password: String, hash: String)] = [
        ("", "$2b$04$d2KMbxVZIXJgMj1PHvN5B.Q7vRqR2RDjmg9ZlTyFIP9lLlZrwodYG"),
        ("secret", "$2b$04$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH6"),
        ("correct horse battery staple", "$2b$05$jlqoNbUmt44XWm3je.wbVuZPLMSMXYtfnX3H82wW8SrnpXVeyHU9i"),
        (
            String(decoding: Array(1...79) as [UInt8], as: UTF8.self),
            "$2b$04$HwdffGwmeYlx99aaElx7TePLb6aUMShhH4wtmXSSyI3jBZ2C/Q9Vy"
        )
    ]

    @Test func verifiesPythonsHashesAndRejectsEverythingElse() {
        for vector in Self.vectors {
            #expect(Bcrypt.verify(vector.password, hash: vector.hash), "\(vector.hash)")
            if vector.password.utf8.count < 72 { #expect(!Bcrypt.verify(vector.password + "x", hash: vector.hash)) }
            #expect(!Bcrypt.verify("x" + vector.password, hash: vector.hash))
            // $2y$ (htpasswd) and $2a$ are the same algorithm for these passwords.
            #expect(Bcrypt.verify(vector.password, hash: "$2y$" + vector.hash.dropFirst(4)))
        }
        // 72 bytes are significant, the rest is not (bcrypt's documented limit).
        let long = String(repeating: "a", count: 72)
        let hash = "$2b$04$" + "g3f/Iznm5MwfucHfnNdEUO" + "zkpEJ8OftCnIL73b2fIbuxEUMgfnYH6"
        #expect(Bcrypt.verify(long, hash: hash) == Bcrypt.verify(long + "tail", hash: hash))
        for malformed in [
            "", "secret", "$2b$04$short", "$2x$04$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH6",
            "$2b$99$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH6",
            "$2b$04$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH!"
        ] {
            #expect(!Bcrypt.verify("secret", hash: malformed), "\(malformed)")
        }
    }
}
