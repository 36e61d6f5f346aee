/// A value moved across threads on the caller's promise that the accesses do not race: the one
/// unsafe-sendable wrapper of the library.
///
/// The ops, the statistics, the generators and the federated simulation's workers
/// (`FederatedSimulation.parallelMap`) hand raw buffer pointers to worker closures; every
/// worker writes a disjoint slice (or index) of the output, so the pointers are safe to share
/// although the compiler cannot prove it.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    /// The wrapped value.
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
