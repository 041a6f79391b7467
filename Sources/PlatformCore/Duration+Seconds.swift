extension Duration {
    /// The duration as fractional seconds, for SQL intervals and rates.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
