import ExporterBase
import Foundation
import Store
import Testing

@testable import ExporterConfiguration
@testable import ExporterCore

/// One table of configuration keys feeds the loader and the README.
@Suite struct ConfigKeysTests {
    @Test func theReadmeConfigurationTableIsTheKeyTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "| key | default | meaning |"))
        let table = readme[start.lowerBound...].components(separatedBy: "\n\n")[0]
        let expected = ConfigKeys.markdownTable.split(separator: "\n")
        let documented = table.split(separator: "\n")
        #expect(documented.count == expected.count)
        for (line, want) in zip(documented, expected) { #expect(line == want) }
    }

    /// Every scalar key of the table is one the loader knows: set to a bad value, each is
    /// refused for its value, never as an unknown key; a key not in the table is unknown.
    @Test func theLoaderAcceptsExactlyTheTablesKeys() throws {
        var yaml = ""
        for (section, keys) in ConfigKeys.sections.sorted(by: { $0.key < $1.key }) {
            yaml += "\(section):\n"
            for key in keys.sorted() where key != "retention" { yaml += "  \(key): \"?bad?\"\n" }
            if section == "log" { yaml += "  colour: red\n" }
        }
        let issues = try #require(ConfigLoader(environment: [:]).load(yaml: yaml).failureIssues)
        let unknown = issues.filter { $0.message.hasPrefix("unknown key") || $0.message.hasPrefix("unknown section") }
        #expect(unknown.map(\.key) == ["log.colour"], "\(unknown)")
        #expect(ConfigKeys.sections["etlworks"]?.contains("url") == true)
    }
}

/// The README's defaults are the loader's: for every key whose documented default is one
/// value, a file that sets the key to it loads the same configuration as a file without it.
/// A default changed in the code but not in the table (or the other way round) fails here.
@Suite struct DocumentedDefaultsTests {
    /// A configuration as sorted lines of its dump: dictionaries iterate in no fixed order.
    static func fingerprint(_ config: ExporterConfig) -> [String] {
        var text = ""
        dump(config, to: &text)
        return text.split(separator: "\n").map { String($0) }.sorted()
    }

    /// What a nested key needs beside it to be read at all.
    static let prerequisites = ["notifications.alertmanager": "url: http://127.0.0.1:9093"]
    /// What a section's keys need beside them: `push:` is nothing without its credentials.
    static let sectionPrerequisites = ["push": ["username: etl", "password: p"]]

    /// A minimal file; with `key`, that key set to `value` (`nil`: only what it needs beside it).
    static func yaml(_ key: String? = nil, _ value: String? = nil) -> String {
        var sections: [String: [String]] = ["etlworks": ["url: \"https://x\"", "api_key: k"]]
        if let key {
            let parts = key.split(separator: ".").map(String.init)
            if parts.count == 2 {
                sections[parts[0], default: []] += sectionPrerequisites[parts[0]] ?? []
                if let value { sections[parts[0], default: []].append("\(parts[1]): \(value)") }
            } else {
                let fields = [prerequisites["\(parts[0]).\(parts[1])"], value.map { "\(parts[2]): \($0)" }].compactMap { $0 }
                if !fields.isEmpty { sections[parts[0], default: []].append("\(parts[1]): {\(fields.joined(separator: ", "))}") }
            }
        }
        return sections.sorted { $0.key < $1.key }.map { section, lines in
            "\(section):\n" + lines.map { "  \($0)\n" }.joined()
        }.joined()
    }

    @Test func everyDocumentedDefaultIsTheLoadersDefault() throws {
        let loader = ConfigLoader(environment: [:])
        var checked = 0
        for row in ConfigKeys.all where row.keys.count == 1 {
            guard let value = row.defaultValue.wholeMatch(of: /`([^`]+)`/)?.1 else { continue }
            let key = row.keys[0]
            let baseline = Self.fingerprint(try loader.load(yaml: Self.yaml(key)).get())
            switch loader.load(yaml: Self.yaml(key, String(value))) {
            case .success(let config):
                let differences = Set(Self.fingerprint(config)).symmetricDifference(baseline)
                #expect(
                    differences.isEmpty, "\(key): the README's default `\(value)` is not the loader's: \(differences.sorted())")
                checked += 1
            case .failure(let errors):
                Issue.record("\(key): the README's default `\(value)` is refused: \(errors)")
            }
        }
        #expect(checked >= 30, "\(checked) defaults checked")
    }
}

/// Runs must outlive any backfill (92 days): a run the API lists again must still be known,
/// or it would be counted twice.
@Suite struct RetentionConfigTests {
    static let head = "etlworks: {url: \"https://x\", api_key: k}\n"

    @Test func runsAndEpisodesTakeTheirOwnRetention() throws {
        let loaded = try ConfigLoader(environment: [:]).load(
            yaml: Self.head + "storage: {retention: {runs: 200d, episodes: 30d, raw: 2d}}\n"
        ).get()
        #expect(loaded.storage.retention.runs == 200 * 86400 && loaded.storage.retention.episodes == 30 * 86400)
        #expect(loaded.storage.retention.retention(of: .raw) == 2 * 86400)
        let issues = try #require(
            ConfigLoader(environment: [:]).load(yaml: Self.head + "storage: {retention: {runs: 30d}}\n").failureIssues)
        #expect(issues.map(\.key) == ["storage.retention.runs"] && issues[0].message.contains("between 93d"), "\(issues)")
    }
}

/// The unit of schedules given as an interval is unverified upstream: a setting, minutes by
/// default as the API page says.
@Suite struct ScheduleIntervalUnitTests {
    @Test func minutesByDefaultSecondsOnRequestAnythingElseNamed() throws {
        let head = RetentionConfigTests.head
        #expect(try ConfigLoader(environment: [:]).load(yaml: head).get().api.scheduleIntervalUnit == .minutes)
        let seconds = try ConfigLoader(environment: [:]).load(
            yaml: "etlworks: {url: \"https://x\", api_key: k, schedule_interval_unit: seconds}\n"
        ).get()
        #expect(seconds.api.scheduleIntervalUnit == .seconds)
        let issues = try #require(
            ConfigLoader(environment: [:]).load(
                yaml: "etlworks: {url: \"https://x\", api_key: k, schedule_interval_unit: hours}\n"
            )
            .failureIssues)
        #expect(issues.map(\.key) == ["etlworks.schedule_interval_unit"] && issues[0].message.contains("minutes or seconds"))
    }
}

extension Result where Failure == ConfigErrors {
    var failureIssues: [ConfigIssue]? {
        if case .failure(let errors) = self { errors.issues } else { nil }
    }
}

/// A typed key's bounds are its row's: every bound is accepted and a value just past it is
/// refused with a message naming the key, for every typed row of the table.
@Suite struct TypedKeyBoundsTests {
    /// Values at and just past each bound of `value`, as YAML text.
    static func probes(_ value: ConfigValue) -> (accepted: [String], refused: [String]) {
        switch value {
        case .seconds(_, let range):
            let below = range.lowerBound > 0 ? ["\(Int((range.lowerBound * 1000).rounded()) - 1)ms"] : ["-1s"]
            return (
                ["\(Int((range.lowerBound * 1000).rounded()))ms", "\(Int(range.upperBound))s"],
                below + ["\(Int(range.upperBound) + 1)s"]
            )
        case .count(_, let range):
            return (["\(range.lowerBound)", "\(range.upperBound)"], ["\(range.lowerBound - 1)", "\(range.upperBound + 1)"])
        case .positive(_, let maximum):
            return (["0.5", NumberText.format(maximum)], ["0", NumberText.format(maximum + 1)])
        case .bytes(_, let range):
            return (["\(range.lowerBound)", "\(range.upperBound)"], ["\(range.lowerBound - 1)", "\(range.upperBound + 1)"])
        case .choice(_, let words):
            return (words, ["none-of-them"])
        case .flag:
            return (["true", "false"], ["maybe"])
        }
    }

    @Test func everyTypedRowsBoundsAreTheLoaders() throws {
        let loader = ConfigLoader(environment: [:])
        var checked = 0
        for row in ConfigKeys.all {
            guard let value = row.value, let key = row.keys.first else { continue }
            let (accepted, refused) = Self.probes(value)
            for text in accepted {
                let result = loader.load(yaml: DocumentedDefaultsTests.yaml(key, "\"\(text)\""))
                #expect(result.failureIssues == nil, "\(key): \(text) refused: \(String(describing: result.failureIssues))")
            }
            for text in refused {
                let issues = loader.load(yaml: DocumentedDefaultsTests.yaml(key, "\"\(text)\"")).failureIssues ?? []
                #expect(issues.map(\.key) == [key], "\(key): \(text) not refused as its own: \(issues)")
            }
            checked += 1
        }
        #expect(checked >= 20, "\(checked) typed rows")
    }
}
