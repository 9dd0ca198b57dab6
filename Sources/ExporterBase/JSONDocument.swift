import Foundation

/// How every JSON document the exporter serves is encoded: pretty-printed with sorted keys, so
/// answers are stable byte for byte.
public enum JSONDocument {
    public static func encode<Document: Encodable>(_ document: Document) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Only a non-finite number can fail, and documents leave those out.
        return (try? encoder.encode(document)) ?? Data(#"{"status":"error","error":"cannot encode the answer"}"#.utf8)
    }
}
