import Foundation
import TestSupport
import Testing

@testable import Exposition

@Suite struct ExpositionTests {
    @Test func labelValuesEscapeBackslashQuoteAndNewline() {
        let labels = LabelSet([("flow_name", "a\\b\"c\nd\re{}")])
        #expect(String(decoding: labels.bytes, as: UTF8.self) == #"flow_name="a\\b\"c\nd"# + "\r" + #"e{}""#)
    }

    @Test func countersGetTotalSuffixAndFamilyNamesFollowTheFormat() {
        var text = ExpositionWriter(format: .prometheusText)
        text.family("x_runs", type: .counter, help: "Runs.")
        text.sample(LabelSet([("a", "1")]), 3)
        text.family("x_build", type: .info, help: "Build.")
        text.sample(LabelSet([("version", "1")]), 1)
        #expect(
            String(decoding: text.finish(), as: UTF8.self) == """
                # HELP x_runs_total Runs.
                # TYPE x_runs_total counter
                x_runs_total{a="1"} 3
                # HELP x_build_info Build.
                # TYPE x_build_info gauge
                x_build_info{version="1"} 1

                """)
        var openMetrics = ExpositionWriter(format: .openMetrics)
        openMetrics.family("x_runs", type: .counter, help: "Runs.")
        openMetrics.sample(.empty, 3)
        openMetrics.family("x_build", type: .info, help: "Build.")
        openMetrics.sample(LabelSet([("version", "1")]), 1)
        #expect(
            String(decoding: openMetrics.finish(), as: UTF8.self) == """
                # HELP x_runs Runs.
                # TYPE x_runs counter
                x_runs_total 3
                # HELP x_build Build.
                # TYPE x_build info
                x_build_info{version="1"} 1
                # EOF

                """)
    }

    @Test func histogramsAreCumulativeWithCanonicalBounds() {
        let layout = HistogramLayout(upperBounds: [0.5, 1, 60])
        #expect(layout.bucketIndex(of: 0.5) == 0)
        #expect(layout.bucketIndex(of: 0.7) == 1)
        #expect(layout.bucketIndex(of: 61) == 3)
        var writer = ExpositionWriter(format: .openMetrics)
        writer.family("d_seconds", type: .histogram, help: "D.")
        writer.histogram(LabelSet([("f", "1")]), layout: layout, cumulativeCounts: [1, 2, 2, 3], sum: 70.25)
        let text = String(decoding: writer.finish(), as: UTF8.self)
        #expect(text.contains(#"d_seconds_bucket{f="1",le="1.0"} 2"#))
        #expect(text.contains(#"d_seconds_bucket{f="1",le="+Inf"} 3"#))
        #expect(text.contains(#"d_seconds_sum{f="1"} 70.25"#))
        #expect(text.contains(#"d_seconds_count{f="1"} 3"#))
    }

    @Test func numbersAreIntegersInfinitiesOrShortestDecimals() {
        func render(_ value: Double) -> String {
            var buffer: [UInt8] = []
            NumberFormatting.append(value, to: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
        #expect(render(0) == "0")
        #expect(render(-12) == "-12")
        #expect(render(1_764_000_000) == "1764000000")
        #expect(render(1_764_000_000.123) == "1764000000.123")
        #expect(render(0.1) == "0.1")
        #expect(render(.infinity) == "+Inf")
        #expect(render(-.infinity) == "-Inf")
        #expect(render(.nan) == "NaN")
        #expect(render(1e20) == "1e+20")
        #expect(render(7) == "7")
        #expect(render(999_999_999_999_999) == "999999999999999")
        #expect(render(-1_000_000_000_000) == "-1000000000000")
    }

    /// Values copied whole when nothing needs escaping, escaped where something does.
    @Test func labelValuesAreEscapedOnlyWhereNeeded() {
        func rendered(_ value: String) -> String { String(decoding: LabelSet([("l", value)]).bytes, as: UTF8.self) }
        #expect(rendered("orders daily é") == #"l="orders daily é""#)
        #expect(rendered("") == #"l="""#)
        #expect(rendered("a\\b") == #"l="a\\b""#)
        #expect(rendered("say \"hi\"") == #"l="say \"hi\"""#)
        #expect(rendered("two\nlines") == #"l="two\nlines""#)
    }

    @Test func acceptHeaderNegotiation() {
        #expect(ExpositionFormat.negotiate(accept: nil) == .prometheusText)
        #expect(ExpositionFormat.negotiate(accept: "text/plain;version=0.0.4") == .prometheusText)
        #expect(ExpositionFormat.negotiate(accept: "application/openmetrics-text;version=1.0.0;charset=utf-8") == .openMetrics)
        // What Prometheus 2.x sends by default.
        #expect(
            ExpositionFormat.negotiate(
                accept:
                    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            ) == .openMetrics)
        #expect(ExpositionFormat.negotiate(accept: "application/openmetrics-text;version=2.0.0") == .prometheusText)
        #expect(ExpositionFormat.negotiate(accept: "text/plain;q=1,application/openmetrics-text;q=0.5") == .prometheusText)
    }

    /// Random label values (any Unicode, quotes, backslashes, newlines, braces, very long)
    /// always yield text that promtool and prometheus_client accept, in both formats.
    @Test func randomLabelValuesAlwaysParse() async throws {
        var random = SystemRandomNumberGenerator()
        let alphabet: [Character] = [
            "a", "\"", "\\", "\n", "{", "}", "=", ",", " ", "#", "é", "数", "🚀", "\t", "\r", "\u{0}", "\u{2028}", "n", "\u{FEFF}"
        ]
        var values: [String] = ["", " ", "\\", "\"", "\n", String(repeating: "x", count: 400)]
        for _ in 0..<200 {
            let length = Int.random(in: 1...40, using: &random)
            values.append(String((0..<length).map { _ in alphabet.randomElement(using: &random)! }))
        }
        for format in [ExpositionFormat.prometheusText, .openMetrics] {
            var writer = ExpositionWriter(format: format)
            writer.family("fuzz_runs", type: .counter, help: "Runs with \"odd\" names\\ and\nnewlines.")
            for (index, value) in values.enumerated() {
                writer.sample(LabelSet([("flow_id", String(index)), ("flow_name", value)]), Double(index))
            }
            let bytes = Data(writer.finish())
            if format == .prometheusText {
                #expect(try await Tools.promtoolCheck(bytes) == "")
            }
            #expect(try await Tools.pythonParse(bytes, openMetrics: format == .openMetrics) == values.count)
        }
    }
}
