import Foundation

/// The JSON answer of every API endpoint that refuses a request:
/// `{"status":"error","error":"…","parameter":"…"}`, the parameter naming what was wrong.
public struct ErrorDocument: Codable, Sendable, Equatable {
    public var status = "error"
    public var error: String
    public var parameter: String?

    public init(_ error: String, parameter: String? = nil) {
        self.error = error
        self.parameter = parameter
    }

    /// The encoded document.
    public var data: Data { JSONDocument.encode(self) }
}
