import EtlworksAPI
import Foundation
import Store

// Writes synthetic history into a database until killed, for the crash-durability test:
// every batch appends one minute of samples for 80 series and ingests a few runs, and every
// fifth batch rolls up a little. Started again on the same file it resumes after the last
// stored minute, so the stream of samples has no gaps and no duplicates, whatever the kill.
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
var batch = try await reader.newestSample().map { ($0 - start) / 60 + 1 } ?? 0
print("resuming at batch \(batch)")
while true {
    let time = start + batch * 60
    try await series.append(HistorySoakStream.samples(batch: batch), at: time)
    _ = try await runs.ingest(HistorySoakStream.runs(batch: batch), observedAt: time * 1000)
    if batch % 5 == 0 { _ = try await series.rollUp(now: time, maxChunks: 2) }
    batch += 1
}
