import ExporterBase
import Foundation
import Testing

@testable import WebSecurity

/// bcrypt verification (OpenBSD's C code, through HummingbirdBcrypt) against hashes made by
/// Python's `bcrypt`, and the hashes the web configuration accepts.
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

    static func verify(_ password: String, _ hash: String) -> Bool { PasswordHash(hash)?.verify(password) ?? false }

    @Test func verifiesPythonsHashesAndRejectsEverythingElse() {
        for vector in Self.vectors {
            #expect(Self.verify(vector.password, vector.hash), "\(vector.hash)")
            if vector.password.utf8.count < 72 { #expect(!Self.verify(vector.password + "x", vector.hash)) }
            #expect(!Self.verify("x" + vector.password, vector.hash))
            // $2y$ (htpasswd) and $2a$ are the same algorithm for these passwords.
            #expect(Self.verify(vector.password, "$2y$" + vector.hash.dropFirst(4)))
            #expect(Self.verify(vector.password, "$2a$" + vector.hash.dropFirst(4)))
        }
        // 72 bytes are significant, the rest is not (bcrypt's documented limit).
        let long = String(repeating: "a", count: 72)
        let hash = "$2b$04$" + "g3f/Iznm5MwfucHfnNdEUO" + "zkpEJ8OftCnIL73b2fIbuxEUMgfnYH6"
        #expect(Self.verify(long, hash) == Self.verify(long + "tail", hash))
        for malformed in [
            "", "secret", "$2b$04$short", "$2x$04$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH6",
            "$2b$99$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH6",
            "$2b$04$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH!"
        ] {
            #expect(PasswordHash(malformed) == nil, "\(malformed)")
            #expect(!Self.verify("secret", malformed), "\(malformed)")
        }
    }

    /// A cost above 16 is refused (each check would take seconds); above 12 it is a warning.
    @Test func theWebConfigurationBoundsTheCost() throws {
        let tail = "g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH6"
        let warned = try WebConfig.parse("basic_auth_users:\n  a: \"$2b$13$\(tail)\"\n", directory: "")
        #expect(warned.users.count == 1 && warned.warnings.count == 1 && warned.warnings[0].contains("cost 13"))
        #expect(try WebConfig.parse("basic_auth_users:\n  a: \"$2b$12$\(tail)\"\n", directory: "").warnings.isEmpty)
        #expect {
            try WebConfig.parse("basic_auth_users:\n  a: \"$2b$17$\(tail)\"\n", directory: "")
        } throws: { error in
            (error as? ConfigErrors)?.issues.first?.message.contains("cost 17 is above 16") == true
        }
    }
}
