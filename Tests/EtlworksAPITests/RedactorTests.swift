import Testing

@testable import EtlworksAPI

/// The scrubbing itself: configured secrets, bearer tokens and JWT-shaped words.
@Suite struct RedactorTests {
    @Test func secretsBearerTokensAndJWTsAreReplaced() {
        let redactor = Redactor(secrets: ["s3cret-key", "pw"])
        #expect(redactor.scrub("key s3cret-key in a URL?k=s3cret-key") == "key <redacted> in a URL?k=<redacted>")
        #expect(redactor.scrub("Authorization: Bearer abc.DEF-123_x; next") == "Authorization: Bearer <redacted>; next")
        #expect(redactor.scrub("token eyJhbGciOi.eyJzdWIi.sig-_x, then text") == "token <redacted>, then text")
        #expect(redactor.scrub("an ordinary message about keyJars") == "an ordinary message about keyJars")
        #expect(redactor.scrub("pw stays: too short to scrub") == "pw stays: too short to scrub")
        #expect(redactor.scrub("Bearer ") == "Bearer ")
        #expect(redactor.scrub("数据 Bearer 数据") == "数据 Bearer 数据")
    }
}
