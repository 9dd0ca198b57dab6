import Foundation

/// Parses a URL query string as browsers and HTTP clients send it: `+` is a space and
/// `%XX` a byte of UTF-8. The first of repeated parameters wins; an undecodable one is kept
/// as sent, so that validation can name it.
package enum QueryString {
    package static func parse(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            guard result[key] == nil else { continue }
            result[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
