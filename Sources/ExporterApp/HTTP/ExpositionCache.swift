import ExporterCore
import Exposition

/// The latest rendered expositions, reused while the state has not changed: concurrent
/// scrapes of an unchanged state render (and gzip) once, and wait for that one render
/// rather than each doing the work. Only the current version's renders are kept.
actor ExpositionCache {
    struct Key: Hashable {
        var version: ExporterSnapshot.Version
        var format: ExpositionFormat
        var gzip: Bool
    }

    private var renders: [Key: Task<[UInt8]?, Never>] = [:]

    /// The bytes for `key`, from `render` once per key; nil when gzip failed.
    func bytes(_ key: Key, render: @escaping @Sendable () -> [UInt8]?) async -> [UInt8]? {
        if let task = renders[key] { return await task.value }
        renders = renders.filter { $0.key.version == key.version }
        let task = Task { render() }
        renders[key] = task
        return await task.value
    }
}
