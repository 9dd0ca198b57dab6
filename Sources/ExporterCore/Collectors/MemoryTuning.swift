import CMalloc

/// Keeps resident memory near what the exporter holds rather than what it once held.
///
/// A day of executions or a scrape of thousands of flows allocates megabytes for a moment.
/// glibc's malloc raises its mmap threshold after such a buffer is freed, so the next ones
/// come from the heap and stay resident after they are freed; with a thread per core it
/// also keeps one heap per thread, each fragmented by those bursts (measured with 2,000
/// flows: 150 MiB resident with the default arenas, 114 MiB with two, 69 MiB with one). A
/// fixed threshold and one arena avoid both, and a trim after each large poll hands freed
/// pages back. CMalloc applies the settings when it loads, before any thread exists.
public enum MemoryTuning {
    /// Returns freed heap pages to the system.
    public static func trim() {
        cmalloc_trim()
        giveBackUnusedCode()
    }

    /// Code and read-only data stay resident only while they are used. The kernel maps the
    /// pages around each library page touched (fault-around), so that after start-up the
    /// exporter held 49 MiB of file-backed pages, half of them unused since. The read-only
    /// ones are unmapped after each large poll: those in use come back from the page cache as
    /// minor faults, 64 KiB at a time (`scripts/bench-serve.sh`, 2,000 flows: 78.8 -> 51.9
    /// MiB resident between polls). Mappings holding private copies are left as they are.
    /// Returns the mappings given back (-1 without /proc).
    @discardableResult
    public static func giveBackUnusedCode() -> Int {
        Int(cmalloc_give_back_file_pages())
    }
}
