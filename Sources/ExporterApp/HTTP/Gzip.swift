import CZlib
import Foundation

/// gzip for /metrics: at thousands of flows an exposition is megabytes of highly repetitive
/// text, which Prometheus always offers to take compressed.
enum Gzip {
    /// A document deflated once and kept: the raw deflate stream (its last block final), the
    /// CRC-32 and length of what it holds. `member(prefix:_:)` puts a gzip member around it with a
    /// few bytes deflated before it, so that a small part that changes at every scrape need not
    /// recompress megabytes (the technique of zlib's gzjoin): one member, which every client
    /// decodes, where two concatenated members trip libcurl.
    struct Deflated: Sendable {
        var stream: [UInt8]
        var crc: UInt32
        var count: Int
    }

    /// `bytes` deflated at zlib's fastest level (the text compresses about 20:1 even so), or
    /// nil if zlib fails.
    static func deflate(_ bytes: [UInt8]) -> Deflated? {
        guard let stream = raw(bytes, final: true) else { return nil }
        return Deflated(stream: stream, crc: crc(bytes), count: bytes.count)
    }

    /// The gzip member of `prefix` followed by `document`, as three parts to send in order
    /// (the middle one is `document.stream`, not copied).
    static func member(prefix: [UInt8], _ document: Deflated) -> (head: [UInt8], tail: [UInt8])? {
        // RFC 1952: magic, deflate, no flags, no time, no extra flags, unknown OS.
        var head: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
        var crc = document.crc
        if !prefix.isEmpty {
            // A sync flush ends the prefix's blocks on a byte boundary, not final, and the
            // document's stream refers to nothing before itself: they join as they are.
            guard let deflated = raw(prefix, final: false) else { return nil }
            head += deflated
            crc = UInt32(crc32_combine(uLong(Self.crc(prefix)), uLong(document.crc), document.count))
        }
        let size = UInt32(truncatingIfNeeded: prefix.count + document.count)
        let tail = [crc, size].flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
        return (head, tail)
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    /// A raw deflate stream of `bytes`: ended (final block) or sync-flushed to go on.
    private static func raw(_ bytes: [UInt8], final: Bool) -> [UInt8]? {
        var stream = z_stream()
        // −15 window bits: raw deflate, no zlib or gzip wrapper.
        guard
            deflateInit2_(
                &stream, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        // The worst case is larger than the input; the answer is kept between scrapes, so it
        // is copied out at its size rather than keeping the worst case's pages resident.
        let bound = Int(deflateBound(&stream, UInt(bytes.count))) + 16
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bound)
        defer { scratch.deallocate() }
        let result: Int32 = bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            stream.next_out = scratch.baseAddress
            stream.avail_out = UInt32(bound)
            return CZlib.deflate(&stream, final ? Z_FINISH : Z_SYNC_FLUSH)
        }
        guard result == (final ? Z_STREAM_END : Z_OK), stream.avail_in == 0 else { return nil }
        return Array(scratch[..<Int(stream.total_out)])
    }

    /// Whether an Accept-Encoding header accepts gzip (present and not `q=0`).
    static func isAccepted(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        for part in acceptEncoding.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = fields.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let quality = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return true }
        }
        return false
    }
}
