/// Settings of the built-in Etlworks API simulator.
public struct SimulatorOptions: Sendable {
    /// Number of flows.
    public var flows: Int
    /// Seed of every random choice: the same seed gives the same tenant.
    public var seed: UInt64
    /// Base time between a flow's runs, seconds; each flow runs every 1–4 times this.
    public var runEvery: Double
    /// How far back runs exist when the simulator starts, seconds.
    public var history: Double
    /// Number of on-premise agents.
    public var agents: Int
    /// Accepted API keys (full Administrator role).
    public var apiKeys: [String]
    /// Accepted API keys without the Administrator role (403 on /v1/metrics/executions).
    public var limitedApiKeys: [String]
    /// Login and password accepted by /v1/token-auth.
    public var user: String
    public var password: String
    /// Lifetime of minted JWTs, seconds.
    public var jwtLifetime: Double
    /// Every third flow gets a hostile name when true.
    public var hostileNames: Bool
    /// Nodes of the instance, as the root `/health?allNodes=true` lists them.
    public var nodes = 1
    /// The role of the login user: `administrator`, `editor` or `operator`.
    public var userRole: SimulatorRole = .administrator
    /// Accepted API keys of the Operator role: flow status and history only.
    public var operatorApiKeys: [String] = ["sim-operator-key"]
    /// Behaviours of real instances switched on.
    public var quirks: Set<SimulatorQuirk> = []
    /// With `stop-transition`: how long a stopped run shows `canceled`, seconds.
    public var stopTransition: Double = 120
    /// Change-data-capture flows, after the others: each has one run, started
    /// `streamAge` ago and still running, whose `stream` task the running-tasks API lists.
    public var streamFlows = 0
    /// How long ago the change-data-capture runs started, seconds.
    public var streamAge: Double = 7200
    /// The ids of the change-data-capture flows.
    public var streamFlowIds: [Int64] { (flows..<(flows + streamFlows)).map(SimulatedFlow.id(forIndex:)) }
    /// Tenants of a dedicated instance, ids 1…N (0: one tenant and no tenant endpoints). Each
    /// has flows of its own from its own seed, with the same ids as the others' (the vendor's
    /// ids may overlap across tenants); the credentials start in tenant 1 and are Super Admin.
    public var tenants = 0
    /// Tenants whose switch (`POST /v1/token-auth/tenants/{id}`) is refused with 403.
    public var refusedTenants: Set<Int> = []
    /// Whether a schedule given as an interval is written in minutes (as the API page says)
    /// or in seconds (as the UI page says).
    public var scheduleIntervalInSeconds = false

    var stopTransitionMilliseconds: Int64? {
        quirks.contains(.stopTransition) ? Int64(stopTransition * 1000) : nil
    }

    public init(
        flows: Int = 20, seed: UInt64 = 1, runEvery: Double = 300, history: Double = 2 * 86400,
        agents: Int = 3, apiKeys: [String] = ["sim-admin-key"], limitedApiKeys: [String] = ["sim-limited-key"],
        user: String = "admin", password: String = "sim-password", jwtLifetime: Double = 600,
        hostileNames: Bool = true
    ) {
        self.flows = flows
        self.seed = seed
        self.runEvery = runEvery
        self.history = history
        self.agents = agents
        self.apiKeys = apiKeys
        self.limitedApiKeys = limitedApiKeys
        self.user = user
        self.password = password
        self.jwtLifetime = jwtLifetime
        self.hostileNames = hostileNames
    }
}

/// The Etlworks roles the simulator tells apart.
public enum SimulatorRole: String, Sendable, CaseIterable {
    /// Everything.
    case administrator
    /// Everything but the Reporting API (`/v1/metrics/executions`).
    case editor
    /// Flow status and history only.
    case `operator`
}
