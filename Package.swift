// swift-tools-version:6.0
import PackageDescription

// No package dependencies by design: Foundation, Dispatch, Glibc and the system libsqlite3 only.
let package = Package(
    name: "gridline",
    products: [
        .executable(name: "gridline", targets: ["gridline"]),
    ],
    targets: [
        .target(
            name: "CGridlineSystem",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        // SHA-256's compression on the x86 SHA extensions, which Swift cannot reach.
        .target(name: "CGridlineSHA256"),
        .target(name: "GridlineCrypto", dependencies: ["GridlineJSON", "CGridlineSHA256"]),
        .target(name: "GridlineJSON"),
        .target(name: "GridlineHTTP"),
        .target(name: "GridlineWebSocket", dependencies: ["GridlineCrypto"]),
        .target(name: "GridlineLoop", dependencies: ["CGridlineSystem"]),
        .target(name: "GridlineStore", dependencies: ["CGridlineSystem", "GridlineFormula", "GridlineJSON"]),
        .target(name: "GridlineCollab", dependencies: ["GridlineJSON", "GridlineFormula"]),
        .target(name: "GridlineFormula"),
        .target(name: "GridlineEngineIO"),
        .target(name: "GridlineRESP"),
        .target(name: "GridlineRedis", dependencies: ["GridlineRESP", "GridlineLoop", "GridlineCrypto"]),
        .target(
            name: "GridlineCluster",
            dependencies: ["GridlineLoop", "GridlineRESP", "GridlineRedis", "GridlineCrypto", "GridlineJSON"]
        ),
        .target(
            name: "GridlineServer",
            dependencies: [
                "GridlineCrypto", "GridlineJSON", "GridlineHTTP", "GridlineWebSocket",
                "GridlineLoop", "GridlineStore", "GridlineCollab", "GridlineEngineIO", "GridlineFormula",
                "GridlineRedis", "GridlineCluster",
            ],
            plugins: ["EmbedWebAssets"]
        ),
        // Web/ (the browser client and editor, SPEC §13) is compiled into GridlineServer by this
        // plugin, which runs our own tiny generator; no file is read at run time.
        .executableTarget(name: "gridline-embed", dependencies: ["GridlineCrypto"]),
        .plugin(name: "EmbedWebAssets", capability: .buildTool(), dependencies: ["gridline-embed"]),
        .target(
            name: "GridlineBench",
            dependencies: ["CGridlineSystem", "GridlineCrypto", "GridlineJSON", "GridlineWebSocket"]
        ),
        .executableTarget(name: "gridline", dependencies: ["GridlineServer", "GridlineBench"]),

        // What several test targets share (a Redis of the test's own, a loop on a thread); only
        // tests depend on it.
        .target(
            name: "GridlineTestSupport", dependencies: ["GridlineLoop", "GridlineRedis", "GridlineRESP"],
            path: "Tests/GridlineTestSupport"
        ),

        .testTarget(name: "GridlineCryptoTests", dependencies: ["GridlineCrypto", "GridlineJSON"]),
        .testTarget(name: "GridlineJSONTests", dependencies: ["GridlineJSON"]),
        .testTarget(name: "GridlineHTTPTests", dependencies: ["GridlineHTTP"]),
        .testTarget(name: "GridlineWebSocketTests", dependencies: ["GridlineWebSocket"]),
        .testTarget(name: "GridlineLoopTests", dependencies: ["GridlineLoop", "GridlineTestSupport"]),
        .testTarget(name: "GridlineStoreTests", dependencies: ["GridlineStore"]),
        .testTarget(name: "GridlineCollabTests", dependencies: ["GridlineCollab", "GridlineFormula"]),
        // Corpus/ is data the tests read by path (and the script that regenerates it with LibreOffice).
        .testTarget(name: "GridlineFormulaTests", dependencies: ["GridlineFormula"], exclude: ["Corpus"]),
        .testTarget(name: "GridlineEngineIOTests", dependencies: ["GridlineEngineIO"]),
        .testTarget(name: "GridlineRESPTests", dependencies: ["GridlineRESP"]),
        .testTarget(name: "GridlineRedisTests", dependencies: ["GridlineRedis", "GridlineRESP", "GridlineLoop", "GridlineTestSupport"]),
        .testTarget(
            name: "GridlineClusterTests",
            dependencies: ["GridlineCluster", "GridlineRedis", "GridlineRESP", "GridlineLoop", "GridlineTestSupport"]
        ),
        .testTarget(name: "GridlineBenchTests", dependencies: ["GridlineBench", "GridlineJSON"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["GridlineServer", "GridlineCrypto", "GridlineJSON", "GridlineStore", "GridlineWebSocket", "GridlineTestSupport"]
        ),
    ]
)
