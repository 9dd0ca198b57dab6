import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Foundation
import SLA
import Testing

/// `push:` — the webhook endpoint's own credentials: Basic or one header, from the file or
/// from a file beside it, never both, never empty, and scrubbed from every message.
struct PushConfigTests {
    let loader = ConfigLoader(
        environment: ["HOOK": "from-env"],
        readFile: { path in
            guard path == "/secrets/hook" else { throw CocoaError(.fileNoSuchFile) }
            return "from-file\n"
        })
    let base = "etlworks: {url: \"https://x\", api_key: k}\n"

    func load(_ push: String) -> Result<ExporterConfig, ConfigErrors> { loader.load(yaml: base + push) }

    @Test func basicOrHeaderCredentialsAreRead() throws {
        #expect(try load("").get().push == nil, "no push section: the endpoint is off")
        let basic = try load("push: {username: etl, password: \"${HOOK}\", queue_capacity: 50}\n").get().push
        #expect(basic?.credential == .basic(user: "etl", password: "from-env") && basic?.queueCapacity == 50)
        let file = try load("push: {username: etl, password_file: /secrets/hook}\n").get().push
        #expect(file?.credential == .basic(user: "etl", password: "from-file") && file?.queueCapacity == 1000)
        let header = try load("push:\n  header: {name: X-Webhook-Token, value_file: /secrets/hook}\n").get().push
        #expect(header?.credential == .header(name: "X-Webhook-Token", value: "from-file"))
        #expect(header?.secrets == ["from-file"])
    }

    @Test func incompleteOrAmbiguousCredentialsAreErrorsNamingTheKey() throws {
        func keys(_ push: String) -> [String] { load(push).failureIssues?.map(\.key) ?? [] }
        #expect(keys("push: {username: etl}\n") == ["push.password"])
        #expect(keys("push: {password: p}\n") == ["push.username"])
        #expect(keys("push: {queue_capacity: 5}\n") == ["push"])
        #expect(keys("push: {username: etl, password: p, password_file: /secrets/hook}\n") == ["push.password_file"])
        #expect(keys("push: {username: etl, password: p, header: {name: X-T, value: v}}\n") == ["push.header"])
        #expect(keys("push: {header: {name: \"bad name\", value: v}}\n") == ["push.header.name"])
        #expect(keys("push: {header: {name: Authorization, value: v}}\n") == ["push.header.name"])
        #expect(keys("push: {header: {name: X-T}}\n") == ["push.header.value"])
        #expect(keys("push: {header: {name: X-T, value: v, colour: red}}\n") == ["push.header.colour"])
        #expect(keys("push: {username: etl, password: p, queue_capacity: 0}\n") == ["push.queue_capacity"])
        #expect(keys("push: {username: \"a:b\", password: p}\n") == ["push.username"])
        // A secret never appears in a message.
        let errors = load("push: {username: etl, password: Sup3rS3cret, password_file: /nope}\n").failureIssues ?? []
        #expect(!errors.isEmpty && !errors.map(\.message).joined().contains("Sup3rS3cret"))
    }
}

/// `etlworks.tenants` (issue #28): discover, or a list of {id, name}.
struct TenantsConfigTests {
    let base = "etlworks:\n  url: \"https://x\"\n  api_key: k\n"

    func load(_ tenants: String, extra: String = "") -> Result<ExporterConfig, ConfigErrors> {
        ConfigLoader(environment: [:]).load(yaml: base + "  tenants: \(tenants)\n" + extra)
    }

    @Test func discoverOrAListOfTenantsIsRead() throws {
        #expect(try ConfigLoader(environment: [:]).load(yaml: base).get().api.tenants == nil)
        #expect(try load("discover").get().api.tenants == .discover)
        #expect(
            try load("[{id: 4, name: eu}, {id: acme-prod}]").get().api.tenants
                == .listed([Tenant(id: "4", name: "eu"), Tenant(id: "acme-prod", name: "acme-prod")]))
    }

    @Test func badTenantsAreErrorsNamingTheKey() {
        func messages(_ tenants: String, extra: String = "") -> [String] {
            load(tenants, extra: extra).failureIssues?.map { "\($0.key): \($0.message)" } ?? []
        }
        #expect(messages("everything") == ["etlworks.tenants: must be discover or a list of {id, name}"])
        #expect(messages("[{id: 4}, {id: 4}]") == ["etlworks.tenants.id: tenant 4 is listed twice"])
        #expect(messages("[{id: \"../x\"}]").first?.hasPrefix("etlworks.tenants.id: '../x' is not a tenant id") == true)
        #expect(messages("[{name: eu}]") == ["etlworks.tenants.id: is required"])
        #expect(messages("[{id: 4, colour: red}]") == ["etlworks.tenants.colour: unknown key (expected id, name)"])
        #expect(messages("[]") == ["etlworks.tenants: lists no tenant"])
    }

    /// An SLA rule judges every watched tenant, or those its `tenants:` names by id or name pattern.
    @Test func slaRulesChooseTheirTenants() throws {
        let rules = """
            sla:
              - name: slow
                flows: {tags: [nightly]}
                max_duration: 1h
              - name: eu-errors
                tenants: ["4", "acme-*"]
                error_rate: {max: 0.1, window: 1h}

            """
        let config = try load("[{id: 4, name: eu}, {id: 5, name: acme-prod}, {id: 6, name: us}]", extra: rules).get()
        #expect(config.sla.map(\.name) == ["slow", "eu-errors"])
        let tenants = [Tenant(id: "4", name: "eu"), Tenant(id: "5", name: "acme-prod"), Tenant(id: "6", name: "us")]
        #expect(tenants.filter(config.sla[0].covers).map(\.id) == ["4", "5", "6"])
        // By id (4) or by name (acme-prod); a name that looks like another tenant's id is no id.
        #expect(tenants.filter(config.sla[1].covers).map(\.id) == ["4", "5"])
        #expect(!config.sla[1].covers(Tenant(id: "7", name: "4x")))
        #expect(try load("discover", extra: rules).get().sla.count == 2)
    }

    @Test func slaTenantsThatCannotChooseAreErrors() {
        func messages(_ yaml: String) -> [String] {
            ConfigLoader(environment: [:]).load(yaml: yaml).failureIssues?.map { "\($0.key): \($0.message)" } ?? []
        }
        let rule = "sla:\n  - name: slow\n    tenants: [\"eu*\"]\n    max_duration: 1h\n"
        #expect(messages(base + rule) == ["sla[0] slow.tenants: needs etlworks.tenants (this exporter watches one tenant)"])
        #expect(
            messages(base + "  tenants: [{id: 4, name: us}]\n" + rule)
                == ["sla[0] slow.tenants: 'eu*' matches none of the tenants in etlworks.tenants"])
        #expect(
            messages(base + "  tenants: [{id: 4, name: us}]\n" + rule.replacingOccurrences(of: "[\"eu*\"]", with: "[]")).first?
                .hasPrefix("sla[0] slow.tenants:") == true)
    }
}
