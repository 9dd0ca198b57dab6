import ExporterBase
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

/// How the HTTP server listens: HTTP/1.1 with limits on headers and idle or slow
/// connections, inside TLS when the web configuration names a certificate and key.
package enum WebServer {
    /// Headers larger than this, or more of them, end the connection: scrapers send a few
    /// short ones.
    static let limits = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)
    /// A connection that sends nothing for this long (a slow or stuck client) is closed.
    static let idleTimeout = TimeAmount.seconds(60)
    /// A connection whose writes have not completed for this long is closed: a client that
    /// stopped reading would otherwise hold a response, and the memory behind it, forever.
    static let writeTimeout = TimeAmount.seconds(30)

    /// Connections open at once by default (`web.max_connections`).
    package static let defaultMaxConnections = 512

    package static func builder(_ web: WebConfig?, connections: ConnectionLimit) throws -> HTTPServerBuilder {
        let http = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [
                    connections.handler(), IdleStateHandler(writeTimeout: writeTimeout), StalledWriteCloser()
                ],
                idleTimeout: idleTimeout, httpDecoderConfiguration: limits))
        guard let web, let certFile = web.certFile, let keyFile = web.keyFile else { return http }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            return try .tls(http, tlsConfiguration: tls)
        } catch {
            throw ConfigErrors([
                ConfigIssue(
                    key: "web.config_file: tls_server_config", line: nil,
                    message: "cannot use \(certFile) and \(keyFile): \(error)")
            ])
        }
    }
}
