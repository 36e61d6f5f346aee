import Foundation

/// `Tests/Fixtures/pretraining_reference.json` (`make_pretraining_reference.py`, arch and NumPy): two
/// series, each standardised by its own GJR-t filter, one tokenizer on the pooled z, and the tokens.
/// Used by pretraining's corpus encoding and the federation's own-filter client encoding.
public struct PretrainingReference: Decodable {
    public struct Series: Decodable {
        public let name: String
        public let returns: [Double]
        public let mu, omega, alpha, gamma, beta, nu: Double
        public let z: [Double]
        public let tokens: [Int32]
    }
    public let vocab_size: Int
    public let clip_sigma: Double
    public let z_mean, z_std: Double
    public let series: [Series]

    /// Loads the fixture.
    public static func load() throws -> PretrainingReference { try loadJSONFixture("pretraining_reference.json") }
}
