import Foundation
import Store

/// What a collector keeps per flow across restarts, as one JSON object in the store's meta
/// table (flow ids as keys). A value that no longer decodes is forgotten, not fatal: it is
/// only evidence, and the next poll gathers it again.
extension RunStore {
    func perFlowMeta<Value: Decodable>(_ key: String, as: Value.Type) async throws -> [Int64: Value] {
        guard let text = try await meta(key),
            let stored = try? JSONDecoder().decode([String: Value].self, from: Data(text.utf8))
        else { return [:] }
        var loaded: [Int64: Value] = [:]
        for (flow, value) in stored { if let flowId = Int64(flow) { loaded[flowId] = value } }
        return loaded
    }

    func setPerFlowMeta<Value: Encodable>(_ key: String, _ values: [Int64: Value]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let stored = Dictionary(uniqueKeysWithValues: values.map { (String($0.key), $0.value) })
        try await setMeta(key, String(decoding: try encoder.encode(stored), as: UTF8.self))
    }
}
