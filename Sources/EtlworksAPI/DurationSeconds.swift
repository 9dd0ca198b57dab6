extension Duration {
    /// The duration in seconds, as metrics and logs report time. Defined here, the lowest
    /// target that the client, the pollers and the SLA engine all import.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
