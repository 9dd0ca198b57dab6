import Foundation

/// Reads what the client needs from a JWT without verifying it: the expiry.
public enum JWT {
    /// The `exp` claim (epoch seconds) of a compact JWT, or nil when absent or unreadable.
    public static func expiry(of token: String) -> Double? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        var base64 = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let payload = try? JSONValue.parse(data) else { return nil }
        return payload["exp"]?.double
    }
}
