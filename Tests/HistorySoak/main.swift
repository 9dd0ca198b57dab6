import EtlworksAPI
import Foundation
import Store

// Writes synthetic history into a database until killed, for the crash-durability test:
// every batch records one poll a minute of 81 series (some flat for a while, some ending
// and coming back) and ingests a few runs, and every fifth batch rolls up a little.
// Started again on the same file it resumes after the last recorded poll.
//
//     HistorySoak PATH

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: HistorySoak PATH\n".utf8))
    exit(2)
}
let path = CommandLine.arguments[1]
let runs = try SQLiteRunStore(path: path)
let series = try SeriesStore(path: path)
let reader = try SeriesReader(path: path)
let start = HistorySoakStream.start
var batch = try await reader.latestPoll().map { ($0 - start) / 60 + 1 } ?? 0
print("resuming at batch \(batch)")
while true {
    let time = start + batch * 60
    try await series.append(HistorySoakStream.samples(batch: batch), group: "soak", at: time)
    _ = try await runs.ingest(HistorySoakStream.runs(batch: batch), observedAt: time * 1000)
    if batch % 5 == 0 { _ = try await series.rollUp(now: time, maxChunks: 2) }
    batch += 1
}
