import CZlib
import Foundation

/// gzip for /metrics: at thousands of flows an exposition is megabytes of highly repetitive
/// text, which Prometheus always offers to take compressed.
enum Gzip {
    /// The gzip encoding of `bytes` at zlib's fastest level (the text compresses about 20:1
    /// even so), or nil if zlib fails.
    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        // 15 window bits + 16 selects the gzip wrapper.
        guard
            deflateInit2_(
                &stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        // The worst case is larger than the input; the answer is kept between scrapes, so it
        // is copied out at its size rather than keeping the worst case's pages resident.
        let bound = Int(deflateBound(&stream, UInt(bytes.count)))
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bound)
        defer { scratch.deallocate() }
        let result: Int32 = bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            stream.next_out = scratch.baseAddress
            stream.avail_out = UInt32(bound)
            return deflate(&stream, Z_FINISH)
        }
        guard result == Z_STREAM_END else { return nil }
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
