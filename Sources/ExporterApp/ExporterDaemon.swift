import Alerting
import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization
import UnixSignals
import WebSecurity

/// The daemon's life: runs the services built from a configuration until SIGTERM or SIGINT,
/// and rebuilds them on SIGHUP.
public enum ExporterDaemon {
    /// How long a shutdown or reload waits for requests in flight before cancelling them.
    static let gracefulShutdownDeadline = Duration.seconds(10)
    /// How long a shutdown may take in all before the process exits regardless.
    static let shutdownBackstop: Double = 20

    /// The daemon could not start; the description says why.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the daemon until SIGTERM or SIGINT. With `reload`, SIGHUP re-reads the
    /// configuration: a valid one replaces the running services (pollers, SLA engine, server)
    /// with new ones built from it. Everything that matters is in the database (runs, history,
    /// SLA states and breaches), so nothing is lost; the listener closes for a moment. An invalid
    /// one is logged, problem by problem, and the daemon carries on as it was.
    public static func run(
        config: ExporterConfig, extraServices: [any Service], banner: String? = nil,
        reload: (@Sendable () -> Result<ExporterConfig, ConfigErrors>)? = nil,
        announce: @escaping @Sendable (String) -> Void
    ) async throws {
        if LogSettings.level(config.log.level) == nil || !["logfmt", "json"].contains(config.log.format) {
            throw StartError(description: "invalid --log.level or --log.format")
        }
        // Every secret of the configuration (`ExporterConfig.secrets`); replaced on reload.
        let redaction = LogRedaction(secrets: config.secrets)
        LogSettings.bootstrap(level: config.log.level, format: config.log.format, redactor: redaction)
        let logger = Logger(label: "etlworks-exporter")
        var current = config
        var previous: ExporterConfig?
        /// The database file this process has already checked.
        var checkedStorage: String?
        let bound = Locked<Int>()
        while true {
            let runtime: ExporterRuntime
            do {
                redaction.set(secrets: current.secrets)
                // The file is checked when it is opened for the first time, not on every reload.
                let verify = checkedStorage != current.storage.path
                runtime = try await ExporterRuntime.make(config: current, logger: logger, verifyStorage: verify) {
                    [current] port in
                    bound.set(port)
                    let host = ListenAddress(current.web.listenAddress)?.host ?? "127.0.0.1"
                    let shown = host.contains(":") ? "[\(host)]" : host
                    let tls = current.web.configFile.flatMap { try? WebConfig.load(path: $0) }?.tls ?? false
                    announce(
                        "etlworks-exporter listening on \(tls ? "https" : "http")://\(shown):\(port)"
                            + (banner.map { "\n\($0)" } ?? ""))
                }
            } catch {
                // A reloaded configuration that cannot start (its database or address unusable)
                // falls back to the one that ran.
                if let fallback = previous {
                    logger.error(
                        "The reloaded configuration cannot start; going back to the previous one", metadata: ["error": "\(error)"]
                    )
                    current = fallback
                    previous = nil
                    continue
                }
                throw StartError(description: "error: \(error)")
            }
            checkedStorage = current.storage.path
            logger.info(
                "Starting",
                metadata: ["storage.path": "\(current.storage.path)", "web.listen_address": "\(current.web.listenAddress)"])
            let backstop = ShutdownBackstop(seconds: Self.shutdownBackstop, logger: logger)
            var configuration = ServiceGroupConfiguration(
                services: ([backstop] + extraServices + runtime.services).map {
                    ServiceGroupConfiguration.ServiceConfiguration(service: $0)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            // A client that stops reading holds a response write forever: past this, the
            // services are cancelled instead of waited for, on SIGTERM and on SIGHUP alike.
            configuration.maximumGracefulShutdownDuration = Self.gracefulShutdownDeadline
            let group = ServiceGroup(configuration: configuration)
            let next = Locked<ExporterConfig>()
            let running = current
            let watcher = Task {
                guard let reload else { return }
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    switch reload() {
                    case .success(let loaded):
                        if loaded.log.level != running.log.level || loaded.log.format != running.log.format {
                            logger.warning("log.level and log.format take effect at the next start")
                        }
                        logger.info("SIGHUP: configuration is valid; restarting the services with it")
                        next.set(loaded)
                        await group.triggerGracefulShutdown()
                        return
                    case .failure(let errors):
                        for issue in errors.issues {
                            logger.error(
                                "SIGHUP: configuration not reloaded, keeping the running one", metadata: ["problem": "\(issue)"])
                        }
                    }
                }
            }
            try await group.run()
            backstop.disarm()
            watcher.cancel()
            await runtime.store.close()
            guard var loaded = next.value else { break }
            // Port 0 picked a port: keep it, so that scrapers find the daemon where it was.
            if loaded.web.listenAddress == current.web.listenAddress, let port = bound.value,
                let address = ListenAddress(current.web.listenAddress), address.port == 0
            {
                loaded.web.listenAddress = address.host.contains(":") ? "[\(address.host)]:\(port)" : "\(address.host):\(port)"
            }
            previous = current
            current = loaded
            logger.info("Reloaded the configuration")
        }
        logger.info("Stopped")
    }
}

/// A value handed between tasks: the configuration a SIGHUP read, the port bound.
private final class Locked<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)

    func set(_ value: Value) { stored.withLock { $0 = value } }

    var value: Value? { stored.withLock { $0 } }
}
