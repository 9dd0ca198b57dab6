import ExporterCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Code and read-only data stay resident only while they are used (#17). Checked on files
/// this test maps itself, so that the other tests running meanwhile touch none of their
/// pages: a read-only mapping is given back; a mapping holding private copies (as relocated
/// data does, made read-only after loading) keeps them.
@Suite struct MemoryTuningTests {
    static let pages = 256
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Resident KiB of the mapping starting at `address`.
    static func residentKiB(at address: UnsafeMutableRawPointer) throws -> Int? {
        let start = String(UInt(bitPattern: address), radix: 16)
        // Read to the end: /proc files have no size, and a read sized by it stops short.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        var inside = false
        for line in text.split(separator: "\n") {
            if line.first?.isHexDigit == true, line.contains("-"), let range = line.split(separator: " ").first {
                inside = range.split(separator: "-").first.map { $0.drop { $0 == "0" } } == Substring(start)
            } else if inside, line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
            }
        }
        return nil
    }

    /// A file of `pages` pages, each filled with its number, mapped privately.
    static func mapFile(writable: Bool) throws -> UnsafeMutableRawPointer {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mapped-\(UUID().uuidString)").path
        var bytes = [UInt8](repeating: 0, count: pages * pageSize)
        for page in 0..<pages { bytes[page * pageSize] = UInt8(page % 251) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY)
        defer {
            close(descriptor)
            unlink(path)
        }
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        let address = try #require(mmap(nil, pages * pageSize, protection, MAP_PRIVATE, descriptor, 0))
        try #require(address != MAP_FAILED)
        return address
    }

    @Test func aReadOnlyFileMappingIsGivenBack() throws {
        let address = try Self.mapFile(writable: false)
        defer { munmap(address, Self.pages * Self.pageSize) }
        var sum = 0
        for page in 0..<Self.pages { sum += Int(address.load(fromByteOffset: page * Self.pageSize, as: UInt8.self)) }
        let before = try #require(try Self.residentKiB(at: address))
        #expect(before >= Self.pages * Self.pageSize / 1024, "every page read: \(before)")
        #expect(MemoryTuning.giveBackUnusedCode() >= 0, "no /proc/self/smaps")
        let after = try #require(try Self.residentKiB(at: address))
        #expect(after == 0, "given back: \(after)")
        // A page read again comes back with the file's contents, and its neighbours with it
        // (fault-around maps at most 64 KiB), not the whole file.
        #expect(address.load(fromByteOffset: 100 * Self.pageSize, as: UInt8.self) == 100)
        let touched = try #require(try Self.residentKiB(at: address))
        #expect(touched > 0 && touched <= 64, "what came back: \(touched)")
        #expect(sum == (0..<Self.pages).reduce(0) { $0 + $1 % 251 })
    }

    @Test func privateCopiesAreKept() throws {
        let address = try Self.mapFile(writable: true)
        defer { munmap(address, Self.pages * Self.pageSize) }
        for page in 0..<Self.pages { address.storeBytes(of: 7, toByteOffset: page * Self.pageSize, as: UInt8.self) }
        // As the loader does with relocated data: written, then made read-only.
        #expect(mprotect(address, Self.pages * Self.pageSize, PROT_READ) == 0)
        #expect(MemoryTuning.giveBackUnusedCode() >= 0)
        let after = try #require(try Self.residentKiB(at: address))
        #expect(after >= Self.pages * Self.pageSize / 1024, "kept: \(after)")
        let changed = (0..<Self.pages).filter { address.load(fromByteOffset: $0 * Self.pageSize, as: UInt8.self) != 7 }
        #expect(changed.isEmpty, "pages that lost what was written: \(changed.count)")
    }
}
