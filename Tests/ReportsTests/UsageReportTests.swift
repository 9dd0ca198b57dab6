import ExporterConfiguration
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationEssentialsCompat
import TestSupport
import Testing

@testable import ExporterApp
@testable import ExporterBase
@testable import ExporterCore
@testable import Reports
@testable import Store

/// `report usage` and `GET /api/v1/reports/usage` on a seeded month, through the built
/// binary and over loopback HTTP; the arithmetic pieces on their own.
@Suite(.serialized) struct UsageReportTests {
    /// The seeded database is built once: it takes a few seconds.
    actor Fixture {
        static let shared = Fixture()
        private var seeded: SeededMonth?
        func month() async throws -> SeededMonth {
            if let seeded { return seeded }
            let made = try await SeededMonth.make(in: try Tools.temporaryDirectory())
            seeded = made
            return made
        }
    }

    func report(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await Tools.run(Tools.exporterBinary.path, ["report", "usage"] + arguments)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    /// Equal to the last bits JSON keeps.
    static func close(_ value: Any?, _ expected: Double?) -> Bool {
        guard let number = number(value), let expected else { return number(value) == nil && expected == nil }
        return abs(number - expected) <= 1e-12 * max(1, abs(expected))
    }

    // MARK: Totals against the stored runs

    @Test func totalsMatchTheSeededRuns() async throws {
        let seeded = try await Fixture.shared.month()
        let expected = seeded.expected()
        let result = await try report(["--month", "2026-10", "--tz", "Europe/Berlin", "--storage.path", seeded.path])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try json(result.stdout)
        #expect(document["month"] as? String == "2026-10")
        #expect(document["time_zone"] as? String == "Europe/Berlin")
        #expect(document["from"] as? String == "2026-09-30T22:00:00Z")
        #expect(document["to"] as? String == "2026-10-31T23:00:00Z")
        #expect(document["complete"] as? Bool == true)

        func check(_ summary: [String: Any]?, _ figures: SeededMonth.Expected.Figures, _ what: String) {
            #expect(Self.number(summary?["runs"]) == Double(figures.runs), "\(what) runs")
            #expect(Self.number(summary?["records"]) == Double(figures.records), "\(what) records")
            let byStatus = summary?["runs_by_status"] as? [String: Any] ?? [:]
            for status in ["success", "warning", "error", "canceled", "unknown"] {
                #expect(Self.number(byStatus[status]) == Double(figures.byStatus[status] ?? 0), "\(what) \(status)")
            }
            let durations = summary?["duration_seconds"] as? [String: Any] ?? [:]
            #expect(Self.number(durations["total"]) == Double(figures.durations.reduce(0, +)) / 1000, "\(what) total")
            #expect(Self.number(durations["p50"]) == figures.percentile(0.5), "\(what) p50")
            #expect(Self.number(durations["p95"]) == figures.percentile(0.95), "\(what) p95")
            #expect(Self.number(durations["max"]) == figures.durations.max().map { Double($0) / 1000 }, "\(what) max")
            #expect(
                Self.close(
                    summary?["success_ratio"],
                    figures.runs > 0 ? Double(figures.byStatus["success"] ?? 0) / Double(figures.runs) : nil),
                "\(what) success ratio")
        }
        check(document["tenant"] as? [String: Any], expected.tenant, "tenant")
        // The month's edges: the first millisecond counts, the next month's first does not.
        #expect(expected.tenant.records >= 2_000_000)

        let flows = document["flows"] as? [[String: Any]] ?? []
        // Listed flows (with or without runs) and flows with runs; not the deleted flow
        // without runs.
        let reported = Dictionary(uniqueKeysWithValues: flows.map { (Int64(Self.number($0["id"]) ?? -1), $0) })
        #expect(Set(reported.keys) == Set(expected.flows.keys).union([8]))
        for (id, figures) in expected.flows { check(reported[id], figures, "flow \(id)") }
        #expect(Self.number(reported[8]?["runs"]) == 0)
        #expect(reported[1]?["name"] as? String == "orders \"daily\", EU")
        #expect(reported[2]?["tags"] as? [String] == ["critical", "a,b"])
        #expect(reported[6]?["deleted"] as? Bool == true)
        #expect(reported[7]?["deleted"] as? Bool == true)
        let records = flows.map { Self.number($0["records"]) ?? -1 }
        #expect(records == records.sorted(by: >), "flows sorted by records")

        let days = document["daily"] as? [[String: Any]] ?? []
        #expect(days.count == 31)
        for day in days {
            let date = day["date"] as? String ?? ""
            let want = expected.days[date] ?? (0, 0, 0)
            #expect(Self.number(day["runs"]) == Double(want.runs), "\(date) runs")
            #expect(Self.number(day["errors"]) == Double(want.errors), "\(date) errors")
            #expect(Self.number(day["records"]) == Double(want.records), "\(date) records")
        }
        // DST ends on 25 October: that local day starts at 22:00Z, the next at 23:00Z.
        #expect(days[24]["start"] as? String == "2026-10-24T22:00:00Z")
        #expect(days[25]["start"] as? String == "2026-10-25T23:00:00Z")
    }

    @Test func coverageBillingAgentsAndSLAComeFromTheStoredSeries() async throws {
        let seeded = try await Fixture.shared.month()
        let result = await try report([
            "--month", "2026-10", "--tz", "Europe/Berlin", "--storage.path", seeded.path, "--format", "json"
        ]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let document = try json(result.stdout)
        let (start, end) = (SeededMonth.monthStart, SeededMonth.monthEnd)

        // Polls every 10 minutes: 10-minute slots, all but the six-hour gap covered.
        let coverage = document["coverage"] as? [String: Any] ?? [:]
        let slots = Double(end - start) / 600
        #expect(Self.number(coverage["slot_seconds"]) == 600)
        #expect(Self.close(coverage["ratio"], (slots - Double(SeededMonth.gapSeconds / 600)) / slots))
        let inMonth = seeded.executionsPolls.filter { $0 >= start && $0 < end }
        #expect(coverage["first_sample"] as? String == UTCTime.format(Double(inMonth.first!)))
        #expect(coverage["last_sample"] as? String == UTCTime.format(Double(inMonth.last!)))
        let notes = (document["notes"] as? [String] ?? []).joined(separator: " ")
        #expect(notes.contains("Sampled series (billing, agents, SLA) cover 99.19% of the month"), "\(notes)")
        #expect(!notes.contains("Runs are counted"), "runs are complete over the month: \(notes)")
        #expect(Self.number(coverage["runs_ratio"]) == 1)
        let gapDay = (document["daily"] as? [[String: Any]] ?? [])[11]
        #expect(Self.number(gapDay["coverage_ratio"]) == 0.75)

        // Billing: the usage counter restarts at the month's start.
        let billing = document["billing"] as? [String: Any] ?? [:]
        let polls = seeded.billingPolls.filter { $0.time >= start && $0.time < end }
        #expect(billing["tier"] as? String == "Business")
        #expect(Self.number(billing["allowance"]) == SeededMonth.allowance)
        #expect(Self.number(billing["records_used"]) == polls.last!.used)
        #expect(Self.number(billing["overage"]) == polls.last!.used - SeededMonth.allowance)
        #expect(Self.close(billing["used_ratio"], polls.last!.used / SeededMonth.allowance))
        #expect(
            billing["exhausted_at"] as? String == UTCTime.format(Double(polls.first { $0.used >= SeededMonth.allowance }!.time)))
        #expect(billing["projected_usage"] is NSNull, "no projection for a past month")
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        formatter.dateFormat = "yyyy-MM-dd"
        var daily: [String: Double] = [:]
        var previous = seeded.billingPolls.last { $0.time < start }!.used
        for poll in polls {
            daily[formatter.string(from: Date(timeIntervalSince1970: Double(poll.time))), default: 0] +=
                poll.used >= previous ? poll.used - previous : poll.used
            previous = poll.used
        }
        for day in document["daily"] as? [[String: Any]] ?? [] {
            #expect(Self.number(day["billing_records"]) == daily[day["date"] as? String ?? ""], "\(day["date"] ?? "")")
        }

        // Agents: the share of polls online.
        let agents = Dictionary(
            uniqueKeysWithValues: (document["agents"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) })
        let agentPolls = seeded.agentPolls.filter { $0.time >= start && $0.time < end }
        #expect(Self.close(agents["a1"]?["availability"], Double(agentPolls.filter(\.a1).count) / Double(agentPolls.count)))
        #expect(Self.close(agents["a2"]?["availability"], Double(agentPolls.filter(\.a2).count) / Double(agentPolls.count)))
        #expect(Self.number(agents["a1"]?["polls"]) == Double(agentPolls.count))
        #expect(agents["a1"]?["name"] as? String == "eu \"west\"")

        // SLA: episodes clipped to the month; an open one lasts to its end.
        let sla = document["sla"] as? [[String: Any]] ?? []
        #expect(sla.count == 2)
        let fresh = sla.first { $0["sla"] as? String == "fresh" }
        #expect(Self.number(fresh?["breaches"]) == 2)
        #expect(Self.number(fresh?["breach_seconds"]) == 5400)
        #expect(Self.number(fresh?["longest_breach_seconds"]) == 3600)
        // Compliance counts observed time only: the six hours without polls are left out.
        let observedMs = seeded.observed.reduce(Int64(0)) { $0 + max(0, min($1.end, end * 1000) - max($1.start, start * 1000)) }
        #expect(observedMs < (end - start - SeededMonth.gapSeconds) * 1000 && observedMs > (end - start - 7 * 3600) * 1000)
        #expect(Self.number(fresh?["compliance"]) == 1 - 5_400_000 / Double(observedMs))
        #expect((fresh?["target"] as? [String: Any])?["name"] as? String == "orders \"daily\", EU")
        let errors = sla.first { $0["sla"] as? String == "errors" }
        #expect(Self.number(errors?["breach_seconds"]) == 600)
        #expect((errors?["target"] as? [String: Any])?["kind"] as? String == "tenant")
    }

    // MARK: Formats

    @Test(.requires("python3")) func csvTablesFollowRFC4180() async throws {
        let seeded = try await Fixture.shared.month()
        let directory = try Tools.temporaryDirectory()
        let expected = seeded.expected()
        for table in UsageReportTable.allCases {
            let file = directory.appendingPathComponent("\(table.rawValue).csv")
            let result = await try report([
                "--month", "2026-10", "--tz", "Europe/Berlin", "--storage.path", seeded.path,
                "--format", "csv", "--table", table.rawValue, "--output", file.path
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.hasSuffix("\r\n"))
            // Python's csv module reads it back: every row as wide as the header.
            let script = """
                import csv, json, sys
                rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8'), strict=True))
                assert all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]
                print(json.dumps(rows))
                """
            let parsed = try await Tools.run("/usr/bin/python3", ["-c", script, file.path])
            #expect(parsed.status == 0, "\(table): \(parsed.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [[String]])
            let header = rows[0]
            #expect(header.contains("coverage_ratio"), "\(table) carries the coverage")
            switch table {
            case .flows:
                let byId = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
                #expect(byId["2"]?[1] == "line\nbreak")
                #expect(byId["1"]?[1] == "orders \"daily\", EU")
                #expect(byId["2"]?[2] == "critical;a,b")
                for (id, figures) in expected.flows {
                    #expect(byId[String(id)]?[header.firstIndex(of: "runs")!] == String(figures.runs))
                    #expect(byId[String(id)]?[header.firstIndex(of: "records")!] == String(figures.records))
                }
            case .daily: #expect(rows.count == 32)
            case .tenants: #expect(rows.count == 1, "no tenants watched: the header alone")
            case .tenant:
                #expect(rows[1][header.firstIndex(of: "runs")!] == String(expected.tenant.runs))
                #expect(rows[1][header.firstIndex(of: "notes")!].contains("Sampled series (billing, agents, SLA) cover 99.19%"))
            case .sla: #expect(rows.count == 3)
            case .agents: #expect(rows.count == 3)
            }
        }
    }

    @Test func markdownEscapesNamesAndSaysWhatIsMissing() async throws {
        let seeded = try await Fixture.shared.month()
        let result = await try report([
            "--month", "2026-10", "--tz", "Europe/Berlin", "--storage.path", seeded.path, "--format", "markdown"
        ])
        #expect(result.status == 0)
        let markdown = result.stdout
        #expect(markdown.contains("> **Note:** Sampled series (billing, agents, SLA) cover 99.19% of the month"))
        #expect(markdown.contains("pipe \\| and \\*stars\\*"))
        #expect(markdown.contains("\\<script\\>alert(1)\\</script\\>"))
        #expect(!markdown.contains("line\nbreak"))
        // Every table row has as many cells as its header.
        for block in markdown.components(separatedBy: "\n\n") where block.hasPrefix("|") {
            let lines = block.split(separator: "\n")
            let cells = { (line: Substring) in line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
            #expect(lines.allSatisfy { cells($0) == cells(lines[0]) }, "\(lines.first ?? "")")
        }
    }

    /// The HTML in headless Chromium: both charts drawn, no console message at all (the page
    /// has no scripts), and an A4 PDF. A page with a script error shows the check can fail.
    @Test(.requires("chromium")) func htmlRendersInHeadlessChromium() async throws {
        let seeded = try await Fixture.shared.month()
        let directory = try Tools.temporaryDirectory()
        let page = directory.appendingPathComponent("report.html")
        let result = await try report([
            "--month", "2026-10", "--tz", "Europe/Berlin", "--storage.path", seeded.path,
            "--format", "html", "--output", page.path
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("<script"), "names are escaped")
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("http://") || !html.contains("src="), "no external resources")

        let chromium = try (try? Tools.which("chromium")) ?? Tools.which("chromium-browser")
        func render(_ file: URL) async throws -> (dom: String, console: [String]) {
            let run = try await Tools.run(
                chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                    "--dump-dom", file.absoluteString
                ])
            return (run.stdout, run.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init))
        }
        let rendered = await try render(page)
        #expect(rendered.console.isEmpty, "\(rendered.console)")
        #expect(rendered.dom.contains("id=\"chart-runs\""))
        #expect(rendered.dom.contains("id=\"chart-records\""))
        #expect(rendered.dom.components(separatedBy: "class=\"runs\"").count - 1 == 31, "a bar per day")
        #expect(rendered.dom.contains("class=\"allowance\""))
        #expect(rendered.dom.contains("<polyline class=\"usage\""))
        #expect(rendered.dom.contains("Sampled series (billing, agents, SLA) cover 99.19% of the month"))

        let broken = directory.appendingPathComponent("broken.html")
        try Data((html.replacingOccurrences(of: "</body>", with: "<script>undefinedFunction()</script></body>")).utf8).write(
            to: broken)
        await #expect(try render(broken).console.contains { $0.contains("undefinedFunction") })

        let pdf = directory.appendingPathComponent("report.pdf")
        _ = try await Tools.run(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                "--print-to-pdf=\(pdf.path)", page.absoluteString
            ])
        let bytes = try String(decoding: Data(contentsOf: pdf), as: UTF8.self)
        let boxes = bytes.components(separatedBy: "/MediaBox [").dropFirst().map { $0.prefix { $0 != "]" } }
        #expect(!boxes.isEmpty)
        for box in boxes {
            let numbers = box.split(separator: " ").compactMap { Double($0) }
            // A4 is 595 × 842 points.
            #expect(numbers.count == 4 && abs(numbers[2] - 595) < 2 && abs(numbers[3] - 842) < 2, "\(box)")
        }
    }

    // MARK: Bad input and empty months

    @Test func badParametersExitTwoNamingThem() async throws {
        let seeded = try await Fixture.shared.month()
        for (arguments, parameter) in [
            (["--month", "2026-13"], "--month"), (["--month", "2026-1"], "--month"),
            (["--month", "Nov 2026"], "--month"), (["--tz", "Mars/Olympus"], "--tz"),
            (["--format", "pdf"], "--format"), (["--format", "csv", "--table", "runs"], "--table"),
            (["--table", "flows"], "--table")
        ] {
            let result = await try report(arguments + ["--storage.path", seeded.path])
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.hasPrefix("error: \(parameter)"), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let missing = await try report(["--storage.path", "/nonexistent/x.db"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/x.db"))
    }

    @Test func aMonthWithoutDataIsAnEmptyReportThatSaysSo() async throws {
        let seeded = try await Fixture.shared.month()
        for format in UsageReportFormat.allCases {
            let result = await try report(["--month", "2025-03", "--storage.path", seeded.path, "--format", format.rawValue])
            #expect(result.status == 0)
            #expect(result.stdout.contains("No data is stored for 2025-03"), "\(format)")
        }
        let document = await try json(try report(["--month", "2025-03", "--storage.path", seeded.path]).stdout)
        #expect(document["has_data"] as? Bool == false)
        #expect(Self.number((document["tenant"] as? [String: Any])?["runs"]) == 0)
        #expect(Self.number((document["coverage"] as? [String: Any])?["ratio"]) == 0)
    }

    // MARK: Over HTTP

    @Test func theEndpointServesEveryFormatAndRejectsBadParameters() async throws {
        let seeded = try await Fixture.shared.month()
        let app = Application(
            router: ExporterRoutes.router([ReportsController(service: UsageReportService(path: seeded.path))]))
        try await app.test(.live) { client in
            try await client.execute(uri: "/api/v1/reports/usage?month=2026-10&tz=Europe/Berlin", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(Self.number((document["tenant"] as? [String: Any])?["runs"]) == Double(seeded.expected().tenant.runs))
            }
            try await client.execute(
                uri: "/api/v1/reports/usage?month=2026-10&tz=Europe%2FBerlin&format=csv&table=daily", method: .get
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
                #expect(response.headers[.contentDisposition]?.contains("etlworks-usage-2026-10-daily.csv") == true)
                #expect(String(buffer: response.body).split(separator: "\r\n").count == 32)
            }
            try await client.execute(uri: "/api/v1/reports/usage?month=2026-10&format=html", method: .get) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: response.body).contains("<svg class=\"chart\""))
            }
            for (query, parameter) in [("month=2026-00", "month"), ("tz=Nowhere%2FCity", "tz"), ("format=xlsx", "format")] {
                try await client.execute(uri: "/api/v1/reports/usage?\(query)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(query)")
                    let document = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(document?["parameter"] as? String == parameter)
                }
            }
        }
    }

    // MARK: Pure pieces

    /// A flow named like a formula stays text in a spreadsheet: the cell gets a leading `'`.
    @Test func csvNeutralisesNamesThatWouldRunAsFormulas() throws {
        let month = try #require(ReportMonth.parse("2026-10", timeZone: TimeZone(identifier: "UTC")!))
        var report = UsageReport(
            month: month, generatedAt: 0, periodEnd: month.end,
            coverage: ReportCoverage(ratio: 1, firstSample: nil, lastSample: nil, slotSeconds: 300, dayRatios: []))
        let names = [#"=HYPERLINK("http://evil.example","x")"#, "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain -name"]
        report.flows = names.enumerated().map { index, name in
            UsageReport.FlowUsage(id: Int64(index), name: name, tags: ["=tag"], deleted: false, summary: RunSummary())
        }
        let rows = UsageReportCSV.render(report, table: .flows).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        for (row, name) in zip(rows, names) {
            let cell = UsageReportCSV.field(name == "plain -name" ? name : "'" + name)
            #expect(row.hasPrefix("\(names.firstIndex(of: name)!),\(cell),'=tag,"), "\(row)")
        }
        #expect(UsageReportCSV.text("-5") == "'-5" && UsageReportCSV.text("5") == "5")
    }

    @Test func monthsAreCutAtLocalMidnight() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let march = try #require(ReportMonth.parse("2026-03", timeZone: berlin))
        #expect(march.dayCount == 31)
        // 29 March has 23 hours.
        #expect(march.dayStarts[29] - march.dayStarts[28] == 23 * 3_600_000)
        #expect(march.day(of: march.start) == 0)
        #expect(march.day(of: march.start - 1) == nil)
        #expect(march.day(of: march.end - 1) == 30)
        #expect(march.day(of: march.end) == nil)
        #expect(ReportMonth.parse("2026-02", timeZone: berlin)?.dayCount == 28)
        #expect(ReportMonth.parse("2028-02", timeZone: berlin)?.dayCount == 29)
        for bad in ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", "", "１２３４-11", "1969-12"] {
            #expect(ReportMonth.parse(bad, timeZone: berlin) == nil, "\(bad)")
        }
        // 1 December 00:30 in Berlin is still 30 November in UTC.
        let now = Date(timeIntervalSince1970: Double(SeededMonth.berlin("2026-12-01 00:30")))
        #expect(ReportMonth.previous(to: now, in: berlin).label == "2026-11")
        #expect(ReportMonth.previous(to: now, in: TimeZone(identifier: "UTC")!).label == "2026-10")
        #expect(
            ReportMonth.previous(to: Date(timeIntervalSince1970: 1_767_225_600), in: TimeZone(identifier: "UTC")!).label
                == "2025-12")
        // Kathmandu is UTC+5:45: its days start at quarter hours.
        let kathmandu = try #require(ReportMonth.parse("2026-11", timeZone: TimeZone(identifier: "Asia/Kathmandu")!))
        #expect(kathmandu.start % 3_600_000 == 15 * 60_000)
    }

    @Test func coverageCountsSlotsWithAPollAndFallsBackToHours() {
        let day: Int64 = 86400
        // Polls every minute for a day, none between 06:00 and 09:00.
        let polls = stride(from: Int64(0), to: day, by: 60).filter { $0 < 6 * 3600 || $0 >= 9 * 3600 }
        let coverage = ReportCoverage.compute(polls: polls, fiveMinuteBuckets: [], hourBuckets: [], dayStarts: [0, day], to: day)
        #expect(coverage.slotSeconds == 300)
        #expect(coverage.ratio == 21.0 / 24)
        // Only hourly buckets before the raw polls begin: hours count whole.
        let late = polls.filter { $0 >= 12 * 3600 }
        let mixed = ReportCoverage.compute(
            polls: late, fiveMinuteBuckets: [], hourBuckets: [0, 3600, 7200], dayStarts: [0, day], to: day)
        #expect(mixed.ratio == 15.0 / 24)
        // The day so far: only slots that are over count.
        let partial = ReportCoverage.compute(
            polls: polls.filter { $0 < 3600 }, fiveMinuteBuckets: [], hourBuckets: [],
            dayStarts: [0, day], to: 3600 + 120)
        #expect(partial.ratio == 1)
        #expect(
            ReportCoverage.compute(polls: [], fiveMinuteBuckets: [], hourBuckets: [], dayStarts: [0, day], to: day).ratio == 0)
    }

    @Test func billingProjectsTheCurrentMonth() throws {
        let month = try #require(ReportMonth.parse("2026-11", timeZone: TimeZone(identifier: "UTC")!))
        let start = month.start / 1000
        // Ten days at 10,000 records a day, sampled daily.
        let usage: [SeriesPoint] = (0...10).map { (day: Int) -> SeriesPoint in
            let value = Double(day) * 10_000
            let bucket = RollupBucket(count: 1, sum: value, min: value, max: value, last: value, increase: day == 0 ? 0 : 10_000)
            return SeriesPoint(timestamp: start + Int64(day) * 86400, values: bucket)
        }
        let allowance = [SeriesPoint(timestamp: start, values: RollupBucket(value: 250_000, previous: nil, kind: .gauge))]
        let billing = try #require(
            BillingUsage.compute(
                usage: usage, allowance: allowance, tier: "Pro", status: nil, month: month, now: Double(start + 10 * 86400)
            )?.current)
        #expect(billing.recordsUsed == 100_000)
        #expect(billing.projectedUsage == 300_000)
        #expect(billing.exhaustedAt == Double(start + 25 * 86400))
        #expect(billing.exhausted == false)
        #expect(billing.overage == 0)
        #expect(
            BillingUsage.compute(
                usage: usage, allowance: allowance, tier: nil, status: nil, month: month, now: Double(month.end / 1000))?
                .current.projectedUsage == nil)
    }

    @Test func numbersReadAsPeopleExpect() {
        #expect(ReportNumber.percent(0.99996) == "99.99%")
        #expect(ReportNumber.percent(1) == "100.00%")
        #expect(ReportNumber.count(1_234_567.4) == "1,234,567")
        #expect(ReportNumber.count(Int64(-1000)) == "-1,000")
        #expect(ReportNumber.compact(1_500_000) == "1.5M")
        #expect(ReportNumber.duration(3725) == "1h 02m")
        #expect(UsageReportCSV.field("a,\"b\"") == "\"a,\"\"b\"\"\"")
        #expect(UsageReportCSV.field("plain") == "plain")
        #expect(UsageReportHTML.niceCeiling(730) == 1000)
        #expect(UsageReportHTML.niceCeiling(101) == 200)
    }
}
