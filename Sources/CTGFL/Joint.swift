// Joint scenarios of several assets and portfolio stress (include/tgfl.h, section "Joint
// scenarios of several assets and portfolio stress"). These calls work on checkpoint paths.

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLStats
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `int32_t tgfl_joint_train(const char * out_path, const double * returns, size_t n_days,
/// int32_t n_assets, const char * const * asset_names, const tgfl_model_config * config,
/// int32_t levels_per_asset, uint64_t seed, const tgfl_train_params * params)`.
@_cdecl("tgfl_joint_train")
public func cJointTrain(_ outPath: UnsafePointer<CChar>?, _ returns: UnsafePointer<Double>?, _ nDays: Int,
                        _ nAssets: Int32, _ assetNames: UnsafePointer<UnsafePointer<CChar>?>?,
                        _ config: UnsafePointer<tgfl_model_config>?, _ levelsPerAsset: Int32, _ seed: UInt64,
                        _ params: UnsafePointer<tgfl_train_params>?) -> Int32 {
    withStatus {
        let path = try Check.string(outPath, "out_path")
        guard let config else { throw BoundaryError.null("config") }
        guard let params else { throw BoundaryError.null("params") }
        let K = Int(try Check.inRange(nAssets, 2...64, "n_assets"))
        let S = Int(try Check.inRange(levelsPerAsset, 2...256, "levels_per_asset"))
        let n = try Check.size(nDays, "n_days")
        guard let total = checkedProduct(n, K) else { throw BoundaryError.invalid("n_days × n_assets overflows") }
        let values = try Check.buffer(returns, count: total, "returns")
        try Check.finite(values, "returns")
        let namePointers = try Check.buffer(assetNames, count: K, "asset_names")
        let names = try namePointers.enumerated().map { try Check.string($1, "asset_names[\($0)]") }
        let base = try ModelConfig(checking: config.pointee)
        let model = try JointScenarioModel(config: JointScenarioModel.config(base: base, assets: K, levels: S),
                                           assets: K, seed: seed)
        let p = try tgfl_train_params.read(params)
        var options = try TrainingOptions(checking: p, contextLength: base.contextLength)
        // A few thousand days overfit within tens of steps: keep the best validation evaluation.
        options.restoreBest = options.validationFraction > 0
        guard p.joint_regime_starts == 0 || p.joint_regime_starts == 1 else {
            throw BoundaryError.outOfRange("joint_regime_starts must be 0 (none) or 1 (market-regime starts), got \(p.joint_regime_starts)")
        }
        guard p.joint_band_map == 0 || p.joint_band_map == 1 else {
            throw BoundaryError.outOfRange("joint_band_map must be 0 (none) or 1 (the z band map), got \(p.joint_band_map)")
        }
        guard p.joint_regime_z_tail == 0 || p.joint_regime_z_tail == 1 else {
            throw BoundaryError.outOfRange("joint_regime_z_tail must be 0 (none) or 1 (a regime z tail map), got \(p.joint_regime_z_tail)")
        }
        guard p.joint_copula_fit == 0 || p.joint_copula_fit == 1 else {
            throw BoundaryError.outOfRange("joint_copula_fit must be 0 (likelihood) or 1 (lower tail), got \(p.joint_copula_fit)")
        }
        let data = JointDataSettings(whitening: try JointDataModels.Whitening(checkingC: p.joint_whitening),
                                     regimeStarts: p.joint_regime_starts == 1, bandMap: p.joint_band_map == 1,
                                     regimeTailMap: p.joint_regime_z_tail == 1,
                                     copulaFit: p.joint_copula_fit == 1 ? .lowerTail : .likelihood,
                                     startDependence: try JointStartDependence.Rule(checkingC: p.joint_start_dependence))
        let columns = (0..<K).map { k in (0..<n).map { values[$0 * K + k] } }
        _ = try model.fit(columns: columns, names: names, options: options, data: data)
        try model.save(to: path)
    }
}

/// `int32_t tgfl_joint_info(const char * model_path, int32_t * out_n_assets, char ** out_json)`.
@_cdecl("tgfl_joint_info")
public func cJointInfo(_ modelPath: UnsafePointer<CChar>?, _ outAssets: UnsafeMutablePointer<Int32>?,
                       _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outJSON?.pointee = nil
    return withStatus {
        let path = try Check.string(modelPath, "model_path")
        guard let outAssets else { throw BoundaryError.null("out_n_assets") }
        guard let outJSON else { throw BoundaryError.null("out_json") }
        let models = try JointScenarioModel.load(from: path).dataModels!
        var info: [String: Any] = ["assets": models.assets, "regimes": models.regimeNames, "copula": NSNull(),
                                    "whitening": models.whitening.rawValue, "regime_starts": models.regimeStarts != nil,
                                    "band_map": models.bandMap != nil, "regime_z_tail": models.regimeTailMap != nil,
                                    "start_dependence": models.startDependence.map { $0.correlations[$0.regimes] as Any } ?? NSNull()]
        if let copula = models.copula {
            // ν = ∞ (a Gaussian copula) is null: JSON has no infinity.
            info["copula"] = ["degrees_of_freedom": copula.degreesOfFreedom.map { $0 as Any } ?? NSNull(),
                              "correlation": copula.correlation] as [String: Any]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]),
                          as: UTF8.self)
        let names = models.assets
        guard let copy = strdup(json) else { throw BoundaryError(status: Status.internalError, message: "out of memory") }
        outAssets.pointee = Int32(names.count)
        outJSON.pointee = copy
    }
}

/// `int32_t tgfl_joint_generate(const char * model_path, const tgfl_generate_params * params,
/// double * out, size_t out_len, int32_t * out_regimes)`.
@_cdecl("tgfl_joint_generate")
public func cJointGenerate(_ modelPath: UnsafePointer<CChar>?, _ params: UnsafePointer<tgfl_generate_params>?,
                           _ out: UnsafeMutablePointer<Double>?, _ outLen: Int,
                           _ outRegimes: UnsafeMutablePointer<Int32>?) -> Int32 {
    jointGenerate(modelPath, params, useCopula: true, out, outLen, outRegimes)
}

/// `int32_t tgfl_joint_generate_copula(const char * model_path, const tgfl_generate_params * params,
/// int32_t use_copula, double * out, size_t out_len, int32_t * out_regimes)`: as
/// `tgfl_joint_generate`, with the copula switch (`JointGenerationOptions.useCopula`; 1 = the
/// model's copula, 0 = independent uniforms).
@_cdecl("tgfl_joint_generate_copula")
public func cJointGenerateCopula(_ modelPath: UnsafePointer<CChar>?, _ params: UnsafePointer<tgfl_generate_params>?,
                                 _ useCopula: Int32, _ out: UnsafeMutablePointer<Double>?, _ outLen: Int,
                                 _ outRegimes: UnsafeMutablePointer<Int32>?) -> Int32 {
    guard useCopula == 0 || useCopula == 1 else {
        return withStatus {
            throw BoundaryError.outOfRange(
                "use_copula must be 0 (independent uniforms) or 1 (the model's copula), got \(useCopula)")
        }
    }
    return jointGenerate(modelPath, params, useCopula: useCopula == 1, out, outLen, outRegimes)
}

/// The body of `tgfl_joint_generate` and `tgfl_joint_generate_copula`.
private func jointGenerate(_ modelPath: UnsafePointer<CChar>?, _ params: UnsafePointer<tgfl_generate_params>?,
                           useCopula: Bool, _ out: UnsafeMutablePointer<Double>?, _ outLen: Int,
                           _ outRegimes: UnsafeMutablePointer<Int32>?) -> Int32 {
    withStatus {
        let path = try Check.string(modelPath, "model_path")
        guard let params else { throw BoundaryError.null("params") }
        let p = params.pointee
        let paths = Int(try Check.inRange(p.n_paths, 1...Int32.max, "n_paths"))
        let horizon = Int(try Check.inRange(p.horizon, 1...Int32.max, "horizon"))
        let model = try JointScenarioModel.load(from: path)
        let K = model.assetCount, R = model.config.nRegimes
        let count = try Check.size(outLen, "out_len")
        guard let expected = checkedProduct(paths, horizon, K), count == expected else {
            throw BoundaryError.shape("out_len is \(count) but n_paths × horizon × n_assets = \(paths) × \(horizon) × \(K)")
        }
        let destination = try Check.mutableBuffer(out, count: count, "out")
        var options = JointGenerationOptions(paths: paths, horizon: horizon)
        options.regime = try p.regimeCondition(horizon: horizon, regimes: R)
        let promptLength = try Check.size(p.prompt_length, "prompt_length")
        if promptLength > 0 {
            guard promptLength % K == 0 else {
                throw BoundaryError.shape("prompt_length \(promptLength) is not a multiple of n_assets \(K) (days × assets)")
            }
            let prompt = try Check.buffer(p.prompt, count: promptLength, "prompt")
            try Check.finite(prompt, "prompt")
            options.prompt = (0..<K).map { k in stride(from: k, to: promptLength, by: K).map { prompt[$0] } }
        }
        options.temperature = try p.checkedTemperature()
        options.seed = p.seed
        options.threads = try Check.threads(p.n_threads, max: maxThreads)
        options.useCopula = useCopula
        let set = try model.generate(options)
        var i = 0
        for path in set.returns { for day in path { for value in day { destination[i] = value; i += 1 } } }
        if let outRegimes {
            let regimes = UnsafeMutableBufferPointer(start: outRegimes, count: paths * horizon)
            var j = 0
            for row in set.regimes { for g in row { regimes[j] = g; j += 1 } }
        }
    }
}

/// `int32_t tgfl_portfolio_stress(const double * scenarios, int32_t n_paths, int32_t horizon,
/// int32_t n_assets, const double * weights, double level, double * out_var, double * out_es,
/// double * out_component_es, double * out_pnl, double * out_max_drawdowns, int32_t n_worst,
/// int32_t * out_worst)`.
@_cdecl("tgfl_portfolio_stress")
public func cPortfolioStress(_ scenarios: UnsafePointer<Double>?, _ nPaths: Int32, _ horizon: Int32, _ nAssets: Int32,
                             _ weights: UnsafePointer<Double>?, _ level: Double,
                             _ outVaR: UnsafeMutablePointer<Double>?, _ outES: UnsafeMutablePointer<Double>?,
                             _ outComponentES: UnsafeMutablePointer<Double>?, _ outPnL: UnsafeMutablePointer<Double>?,
                             _ outMaxDrawdowns: UnsafeMutablePointer<Double>?, _ nWorst: Int32,
                             _ outWorst: UnsafeMutablePointer<Int32>?) -> Int32 {
    withStatus {
        let P = Int(try Check.inRange(nPaths, 1...Int32.max, "n_paths"))
        let H = Int(try Check.inRange(horizon, 1...Int32.max, "horizon"))
        let K = Int(try Check.inRange(nAssets, 1...Int32.max, "n_assets"))
        guard let total = checkedProduct(P, H, K) else { throw BoundaryError.invalid("n_paths × horizon × n_assets overflows") }
        let values = try Check.buffer(scenarios, count: total, "scenarios")
        let w = try Check.buffer(weights, count: K, "weights")
        guard let outVaR else { throw BoundaryError.null("out_var") }
        guard let outES else { throw BoundaryError.null("out_es") }
        let components = try Check.mutableBuffer(outComponentES, count: K, "out_component_es")
        let worst = Int(try Check.inRange(nWorst, 0...Int32.max, "n_worst"))
        let worstOut = worst > 0 ? try Check.mutableBuffer(outWorst, count: worst, "out_worst") : nil
        let cube = (0..<P).map { p in (0..<H).map { d in Array(values[((p * H + d) * K)..<((p * H + d + 1) * K)]) } }
        let stress = try PortfolioStress(scenarios: cube, weights: Array(w), level: level, worst: worst)
        outVaR.pointee = stress.valueAtRisk
        outES.pointee = stress.expectedShortfall
        _ = components.initialize(from: stress.componentExpectedShortfall)
        if let outPnL { outPnL.update(from: stress.profitAndLoss, count: P) }
        if let outMaxDrawdowns { outMaxDrawdowns.update(from: stress.maxDrawdowns, count: P) }
        if let worstOut {
            for i in 0..<worst { worstOut[i] = i < stress.worstScenarios.count ? Int32(stress.worstScenarios[i]) : -1 }
        }
    }
}

extension JointDataModels.Whitening {
    /// The `tgfl_joint_whitening` value of a fittable rule.
    var cValue: Int64 {
        switch self {
        case .returnCorrelation: return Int64(TGFL_JOINT_WHITENING_RETURN_CORRELATION.rawValue)
        case .covariance: return Int64(TGFL_JOINT_WHITENING_COVARIANCE.rawValue)
        case .twoFactor: return Int64(TGFL_JOINT_WHITENING_TWO_FACTOR.rawValue)
        case .correlation: return -1   // read from old files only, never a default
        }
    }

    /// The rule of `tgfl_train_params.joint_whitening`.
    /// - Throws: OUT_OF_RANGE naming the field, the value and the accepted ones.
    init(checkingC value: Int64) throws {
        let rules: [JointDataModels.Whitening] = [.returnCorrelation, .covariance, .twoFactor]
        guard let rule = rules.first(where: { $0.cValue == value }) else {
            throw BoundaryError.outOfRange(
                "joint_whitening must be TGFL_JOINT_WHITENING_RETURN_CORRELATION (0), TGFL_JOINT_WHITENING_COVARIANCE (1) "
                + "or TGFL_JOINT_WHITENING_TWO_FACTOR (2), got \(value)")
        }
        self = rule
    }
}

extension JointStartDependence.Rule {
    /// The `tgfl_train_params.joint_start_dependence` value of the rule.
    var cValue: Int64 {
        switch self {
        case .comonotone: return 0
        case .fitted: return 1
        case .independent: return 2
        }
    }

    /// The rule of `tgfl_train_params.joint_start_dependence`.
    /// - Throws: OUT_OF_RANGE naming the field, the value and the accepted ones.
    init(checkingC value: Int64) throws {
        guard let rule = Self.allCases.first(where: { $0.cValue == value }) else {
            throw BoundaryError.outOfRange(
                "joint_start_dependence must be 0 (comonotone), 1 (fitted) or 2 (independent), got \(value)")
        }
        self = rule
    }
}
