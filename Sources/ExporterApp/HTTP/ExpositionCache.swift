import ExporterCore
import Exposition

/// The latest rendered expositions, reused while the state has not changed: concurrent
/// scrapes of an unchanged state render (and gzip) once, and wait for that one render
/// rather than each doing the work. Only the current version's renders are kept.
actor ExpositionCache {
    struct Key: Hashable {
        /// The state's version, and with tenants each tenant's.
        var version: [ExporterSnapshot.Version]
        var format: ExpositionFormat
        var gzip: Bool
    }

    /// A render: the document's bytes, or its deflate stream when gzipped.
    struct Body: Sendable {
        var bytes: [UInt8]
        /// With gzip: the CRC-32 and length of the document the stream holds.
        var deflated: Gzip.Deflated?
    }

    private var renders: [Key: Task<Body?, Never>] = [:]

    /// The body for `key`, from `render` once per key; nil when gzip failed.
    func body(_ key: Key, render: @escaping @Sendable () -> Body?) async -> Body? {
        if let task = renders[key] { return await task.value }
        renders = renders.filter { $0.key.version == key.version }
        let task = Task { render() }
        renders[key] = task
        return await task.value
    }
}
