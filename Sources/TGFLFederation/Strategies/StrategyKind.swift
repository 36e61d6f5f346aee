import Foundation
import TGFLBase

/// The aggregation strategies by their command-line names.
///
/// `makeStrategy` builds one from a bag of hyperparameters named as in Flower
/// (`proximal_mu`, `server_learning_rate`, `server_momentum`, `eta`, `eta_l`, `beta_1`,
/// `beta_2`, `tau`, `beta`, `num_malicious_nodes`, `num_nodes_to_select`, `q`,
/// `client_learning_rate`). Missing names take the strategy's (Flower's) default; FedProx's
/// `proximal_mu` defaults to Flower's 0.0 (which makes it FedAvg until you set μ).
public enum StrategyKind: String, CaseIterable, Sendable, Codable {
    case fedavg, fedavgm, fedprox, fedadagrad, fedadam, fedyogi, fedmedian, fedtrimmedavg
    case krum, multikrum, bulyan, qfedavg

    /// Parses a CLI name, case-insensitively (`FedAvg`, `fedavg`, `fed-avg`).
    /// - Throws: `TGFLError.invalidArgument` listing the valid names.
    public init(parsing name: String) throws {
        let key = name.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
        guard let kind = StrategyKind(rawValue: key) else {
            throw TGFLError.invalidArgument("unknown strategy '\(name)'; valid: "
                + StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = kind
    }

    /// Whether client-level DP (`DPConfig`) is proven for this strategy: the mean-based ones,
    /// whose server step is post-processing of the noised mean (see `DifferentialPrivacy`).
    /// Krum, Multi-Krum, Bulyan, FedMedian, FedTrimmedAvg and q-FedAvg use individual updates
    /// and have no proven sensitivity; the simulation refuses DP with them.
    public var supportsDifferentialPrivacy: Bool {
        switch self {
        case .fedavg, .fedavgm, .fedprox, .fedadagrad, .fedadam, .fedyogi: true
        case .fedmedian, .fedtrimmedavg, .krum, .multikrum, .bulyan, .qfedavg: false
        }
    }

    /// The hyperparameter names this strategy accepts (Flower's names).
    public var hyperparameterNames: [String] {
        switch self {
        case .fedavg, .fedmedian: []
        case .fedprox: ["proximal_mu"]
        case .fedavgm: ["server_learning_rate", "server_momentum"]
        case .fedadagrad: ["eta", "eta_l", "tau"]
        case .fedadam, .fedyogi: ["eta", "eta_l", "beta_1", "beta_2", "tau"]
        case .fedtrimmedavg: ["beta"]
        case .krum, .bulyan: ["num_malicious_nodes"]
        case .multikrum: ["num_malicious_nodes", "num_nodes_to_select"]
        case .qfedavg: ["q", "client_learning_rate"]
        }
    }

    /// Builds the strategy.
    ///
    /// - Parameters:
    ///   - hyperparameters: Values by Flower name; integers (`num_malicious_nodes`,
    ///     `num_nodes_to_select`) must be whole numbers.
    ///   - sampling: Client sampling settings.
    ///   - clientLearningRate: QFedAvg's `client_learning_rate` when not given explicitly.
    /// - Returns: The strategy (its own `validate` runs when the simulation starts).
    /// - Throws: `TGFLError.invalidArgument` for a name the strategy does not take (listing
    ///   the valid ones) or a non-integer count.
    public func makeStrategy(hyperparameters: [String: Double] = [:], sampling: SamplingConfig = SamplingConfig(),
                             clientLearningRate: Double = 1e-3) throws -> any FederatedStrategy {
        let valid = hyperparameterNames
        for name in hyperparameters.keys.sorted() where !valid.contains(name) {
            throw TGFLError.invalidArgument("strategy \(rawValue) has no hyperparameter '\(name)'; valid: "
                + (valid.isEmpty ? "none" : valid.joined(separator: ", ")))
        }
        let h = hyperparameters
        func count(_ name: String, _ fallback: Int) throws -> Int {
            guard let v = h[name] else { return fallback }
            guard v.isFinite, v == v.rounded(), abs(v) < 1e9 else {
                throw TGFLError.invalidArgument("\(name) = \(v) must be a whole number")
            }
            return Int(v)
        }
        switch self {
        case .fedavg: return FedAvg(sampling: sampling)
        case .fedprox: return FedProx(proximalMu: h["proximal_mu"] ?? 0.0, sampling: sampling)
        case .fedavgm:
            return FedAvgM(serverLearningRate: h["server_learning_rate"] ?? 1.0,
                           serverMomentum: h["server_momentum"] ?? 0.0, sampling: sampling)
        case .fedadagrad:
            return FedOpt.fedAdagrad(eta: h["eta"] ?? 1e-1, etaL: h["eta_l"] ?? 1e-1, tau: h["tau"] ?? 1e-3,
                                     sampling: sampling)
        case .fedadam:
            return FedOpt.fedAdam(eta: h["eta"] ?? 1e-1, etaL: h["eta_l"] ?? 1e-1, beta1: h["beta_1"] ?? 0.9,
                                  beta2: h["beta_2"] ?? 0.99, tau: h["tau"] ?? 1e-3, sampling: sampling)
        case .fedyogi:
            return FedOpt.fedYogi(eta: h["eta"] ?? 1e-2, etaL: h["eta_l"] ?? 0.0316, beta1: h["beta_1"] ?? 0.9,
                                  beta2: h["beta_2"] ?? 0.99, tau: h["tau"] ?? 1e-3, sampling: sampling)
        case .fedmedian: return FedMedian(sampling: sampling)
        case .fedtrimmedavg: return FedTrimmedAvg(beta: h["beta"] ?? 0.2, sampling: sampling)
        case .krum: return MultiKrum.krum(numMaliciousNodes: try count("num_malicious_nodes", 0), sampling: sampling)
        case .multikrum:
            return MultiKrum(numMaliciousNodes: try count("num_malicious_nodes", 0),
                             numNodesToSelect: try count("num_nodes_to_select", 1), sampling: sampling)
        case .bulyan: return Bulyan(numMaliciousNodes: try count("num_malicious_nodes", 0), sampling: sampling)
        case .qfedavg:
            return QFedAvg(clientLearningRate: h["client_learning_rate"] ?? clientLearningRate, q: h["q"] ?? 0.1,
                           sampling: sampling)
        }
    }
}
