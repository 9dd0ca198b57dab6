import Foundation

/// The name and password of an HTTP `Basic` Authorization header (RFC 7617), read by both
/// the web configuration's basic auth and the webhook endpoint's own credentials.
public enum BasicAuthorization {
    /// nil for a header that is missing, too long, not `Basic`, or not base64 of `name:password`.
    public static func credentials(_ header: String?) -> (name: String, password: String)? {
        guard let header, header.count < 4096 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
