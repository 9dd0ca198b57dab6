// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "etlworks-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "etlworks-exporter", targets: ["etlworks-exporter"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0")
    ],
    targets: [
        // libsqlite3 from the system (Debian: libsqlite3-dev).
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // zlib from the system (Debian: zlib1g-dev), for gzip-encoded scrapes.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc allocator tuning (mallopt, malloc_trim), which Swift's Glibc module omits, and
        // the hand-back of unused library pages (/proc/self/smaps, madvise).
        .target(name: "CMalloc"),
        // Pure: API models and tolerant decoding, plus the URLSession client.
        .target(name: "EtlworksAPI"),
        // Pure: the Prometheus / OpenMetrics text encoder.
        .target(name: "Exposition"),
        // The words features share without importing each other: the metric families each
        // collector fills and the catalogue of them, the polled resources, notification counts.
        .target(name: "Vocabulary", dependencies: ["EtlworksAPI", "Exposition"]),
        // Pure: regular expressions matched in linear time (label matchers of series queries).
        .target(name: "PatternMatching"),
        // The threads blocking work runs on, off Swift's cooperative pool.
        .target(name: "BlockingThreads"),
        // SQLite: one connection with its cached statements, the serial executor of the actor
        // that owns it, and the storage error.
        .target(name: "SQLiteDatabase", dependencies: ["CSQLite", "BlockingThreads"]),
        // SQLite-backed run store.
        .target(name: "Store", dependencies: ["SQLiteDatabase", "EtlworksAPI", "Exposition"]),
        .target(name: "SLAStore", dependencies: ["Store", "SQLiteDatabase"]),
        // The built-in Etlworks API simulator.
        .target(
            name: "Simulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log")
            ]),
        // Helpers every feature shares: config issues and YAML value reading, durations,
        // RFC 3339, HTML escaping, nearest rank, SHA-256/HMAC, globs, health verdicts.
        .target(name: "ExporterBase", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Pure: each flow's recent completed runs in memory, counted and ranked over sliding
        // windows (what SLA conditions read).
        .target(name: "SlidingWindows", dependencies: ["EtlworksAPI", "Store"]),
        // SLA rules: configuration, conditions, state machine, engine, documents and page.
        .target(
            name: "SLA",
            dependencies: [
                "ExporterBase", "EtlworksAPI", "Exposition", "Store", "SLAStore", "SlidingWindows", "Vocabulary",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams")
            ]),
        // Delivery of SLA breaches to Alertmanager and webhooks.
        .target(
            name: "Alerting",
            dependencies: [
                "ExporterBase", "EtlworksAPI", "Vocabulary",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams")
            ]),
        // The exporter-toolkit web configuration: basic auth (bcrypt) and TLS.
        .target(
            name: "WebSecurity",
            dependencies: [
                "ExporterBase", "BlockingThreads",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams")
            ]),
        // Queries of the stored history: parameters, limits and the answer's JSON.
        .target(name: "SeriesQuery", dependencies: ["ExporterBase", "EtlworksAPI", "PatternMatching", "Store"]),
        // The configuration: model, loader and key table (the README's table is checked
        // against it), and the log setup it names.
        .target(
            name: "ExporterConfiguration",
            dependencies: [
                "ExporterBase", "SLA", "Alerting", "EtlworksAPI", "Store", "SeriesQuery", "Vocabulary",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams")
            ]),
        // Live state, collectors and polling, health, history recording, metrics rendering.
        .target(
            name: "ExporterCore",
            dependencies: [
                "ExporterConfiguration", "ExporterBase", "SLA", "EtlworksAPI", "Exposition", "Store", "SLAStore",
                "SQLiteDatabase", "SeriesQuery", "CMalloc", "Vocabulary",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
            ]),
        // The monthly usage report: pure figures, writers and the reader of the database.
        .target(
            name: "Reports",
            dependencies: [
                "ExporterBase", "SLAStore", "EtlworksAPI", "SeriesQuery", "Store", "Vocabulary", "BlockingThreads"
            ]),
        // The composition root: runtime, daemon (signals, reload), HTTP routes.
        .target(
            name: "ExporterApp",
            dependencies: [
                "ExporterBase", "ExporterCore", "ExporterConfiguration", "SLA", "SLAStore", "Alerting", "WebSecurity", "Reports",
                "EtlworksAPI", "Exposition", "Store", "SeriesQuery", "CZlib", "Vocabulary",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle")
            ]),
        .executableTarget(
            name: "etlworks-exporter",
            dependencies: [
                "ExporterApp", "ExporterBase", "ExporterCore", "ExporterConfiguration", "Reports", "SLA", "Store", "EtlworksAPI",
                "Simulator", "Vocabulary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle")
            ],
            plugins: ["StampRevision"]),
        // Writes the git revision into the executable at build time (`--version`, build_info).
        .plugin(name: "StampRevision", capability: .buildTool()),

        // Tests: one target per library target (fast, nothing needed outside Swift; the few
        // checks that call promtool, Python or Chromium skip themselves when it is missing),
        // and EndToEndTests, which drive the built binary with real tools.
        .target(
            name: "TestSupport",
            dependencies: [
                "EtlworksAPI", "Store", "SQLiteDatabase", "Simulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log")
            ],
            path: "Tests/TestSupport"),
        .testTarget(name: "EtlworksAPITests", dependencies: ["EtlworksAPI", "Simulator", "TestSupport"]),
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition", "TestSupport"]),
        .testTarget(name: "PatternMatchingTests", dependencies: ["PatternMatching"]),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "SLAStore", "SeriesQuery", "SQLiteDatabase", "BlockingThreads", "EtlworksAPI", "TestSupport"]),
        .testTarget(
            name: "SLATests",
            dependencies: [
                "SLA", "SLAStore", "SlidingWindows", "ExporterBase", "ExporterCore", "ExporterConfiguration",
                "Store",
                "SQLiteDatabase",
                "EtlworksAPI",
                "Exposition", "TestSupport",
                .product(name: "Logging", package: "swift-log")
            ]),
        .testTarget(
            name: "AlertingTests",
            dependencies: [
                "Alerting", "SLA", "ExporterBase", "EtlworksAPI", "TestSupport", .product(name: "Logging", package: "swift-log")
            ]),
        .testTarget(
            name: "WebSecurityTests",
            dependencies: [
                "WebSecurity", "ExporterBase", "TestSupport",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log")
            ]),
        .testTarget(
            name: "ExporterCoreTests",
            dependencies: [
                "ExporterCore", "ExporterConfiguration", "ExporterBase", "SLA", "Alerting", "Store", "EtlworksAPI", "Exposition",
                "Simulator",
                "TestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "ReportsTests",
            dependencies: [
                "Reports", "ExporterApp", "ExporterCore", "ExporterConfiguration", "ExporterBase", "SLA", "SLAStore", "Store",
                "EtlworksAPI",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird")
            ]),
        .testTarget(
            name: "ExporterAppTests",
            dependencies: [
                "ExporterApp", "ExporterCore", "ExporterConfiguration", "ExporterBase", "SLA", "SLAStore", "Reports", "Store",
                "SeriesQuery", "WebSecurity",
                "EtlworksAPI", "Exposition", "TestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log")
            ]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ExporterApp", "ExporterCore", "ExporterConfiguration", "ExporterBase", "SLA", "Alerting", "WebSecurity",
                "Reports", "Store",
                "SQLiteDatabase",
                "EtlworksAPI", "Exposition", "Simulator", "TestSupport", .product(name: "Logging", package: "swift-log")
            ])
    ]
)

// Benchmarks and the soak driver build only when asked (`ETLWORKS_DEV_TARGETS=1`, which
// scripts/test.sh and the benchmark scripts set), so that `swift build` builds the product alone.
if Context.environment["ETLWORKS_DEV_TARGETS"] != nil {
    package.targets += [
        .executableTarget(
            name: "ExporterBenchmarks",
            dependencies: [
                "ExporterApp", "ExporterCore", "ExporterConfiguration", "SLA", "SLAStore", "Reports", "Exposition", "Store",
                "SeriesQuery",
                "EtlworksAPI",
                "Simulator", "CSQLite",
                .product(name: "Logging", package: "swift-log")
            ], path: "Benchmarks/ExporterBenchmarks"),
        // Writes synthetic history until killed: the SIGKILL durability test drives it.
        .executableTarget(name: "HistorySoak", dependencies: ["Store", "EtlworksAPI"], path: "Tests/HistorySoak")
    ]
}

// Compiler settings as Hummingbird uses them: existentials spelled `any`, and a member
// visible only in files that import the module defining it.
for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")
        ]
}
