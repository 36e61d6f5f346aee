// Central training (include/tgfl.h, section "Central training").

import CTGFLHeader
import Foundation
import TGFLCore

/// The most windows per step a C caller may ask for (activations grow with B·T).
let maxBatchSize: Int32 = 4096
/// The most worker threads a C caller may ask for (per-worker scratch grows with it).
let maxThreads: Int32 = 256

/// `tgfl_train_params tgfl_train_default_params(void)`: `TrainingOptions()`'s defaults.
@_cdecl("tgfl_train_default_params")
public func cTrainDefaultParams() -> tgfl_train_params {
    let o = TrainingOptions()
    var p = tgfl_train_params()
    p.struct_size = UInt32(MemoryLayout<tgfl_train_params>.size)
    p.steps = Int32(clamping: o.steps)
    p.batch_size = Int32(clamping: o.batchSize)
    p.seq_len = Int32(clamping: o.sequenceLength ?? 0)
    p.learning_rate = o.learningRate
    p.min_learning_rate = o.minLearningRate
    p.warmup_steps = Int32(clamping: o.warmupSteps)
    p.weight_decay = o.weightDecay
    p.grad_clip = o.gradientClip
    p.val_fraction = o.validationFraction
    p.eval_every = Int32(clamping: o.evaluateEvery)
    p.patience = Int32(clamping: o.patience)
    p.seed = o.seed
    p.n_threads = 0
    p.progress = nil
    p.progress_user_data = nil
    p.output_prior = o.outputPrior
    p.keep_best = o.restoreBest
    p.allow_prices = o.allowPrices
    p.precision = Int64(TGFL_PRECISION_FP32.rawValue)
    p.joint_whitening = JointDataSettings().whitening.cValue
    p.joint_regime_starts = JointDataSettings().regimeStarts ? 1 : 0
    p.joint_band_map = JointDataSettings().bandMap ? 1 : 0
    p.joint_regime_z_tail = JointDataSettings().regimeTailMap ? 1 : 0
    p.rematch_dependence = o.rematchDependence == nil ? 0 : 1
    p.joint_copula_fit = JointDataSettings().copulaFit == .lowerTail ? 1 : 0
    p.joint_start_dependence = JointDataSettings().startDependence.cValue
    return p
}

extension TrainingOptions {
    /// The Swift options for C params, every field checked.
    init(checking p: tgfl_train_params, contextLength: Int) throws {
        self.init()
        steps = Int(try Check.inRange(p.steps, 1...Int32.max, "steps"))
        batchSize = Int(try Check.inRange(p.batch_size, 1...maxBatchSize, "batch_size"))
        let seq = try Check.inRange(Int(p.seq_len), 0...contextLength, "seq_len (0 = context_length)")
        sequenceLength = seq == 0 ? nil : seq
        learningRate = try Check.finite(p.learning_rate, "learning_rate")
        minLearningRate = try Check.finite(p.min_learning_rate, "min_learning_rate")
        warmupSteps = Int(try Check.inRange(p.warmup_steps, 0...Int32.max, "warmup_steps"))
        weightDecay = try Check.finite(p.weight_decay, "weight_decay")
        gradientClip = try Check.finite(p.grad_clip, "grad_clip")
        validationFraction = try Check.finite(p.val_fraction, "val_fraction")
        guard validationFraction >= 0, validationFraction < 1 else {
            throw BoundaryError.outOfRange("val_fraction must be in [0, 1), got \(validationFraction)")
        }
        evaluateEvery = Int(try Check.inRange(p.eval_every, 1...Int32.max, "eval_every"))
        patience = Int(try Check.inRange(p.patience, 0...Int32.max, "patience"))
        seed = p.seed
        threads = try Check.threads(p.n_threads, max: maxThreads)
        outputPrior = p.output_prior
        restoreBest = p.keep_best
        allowPrices = p.allow_prices
        switch p.precision {
        case Int64(TGFL_PRECISION_FP32.rawValue): precision = .float32
        case Int64(TGFL_PRECISION_BF16.rawValue): precision = .bfloat16
        default:
            throw BoundaryError.outOfRange(
                "precision must be TGFL_PRECISION_FP32 (0) or TGFL_PRECISION_BF16 (1), got \(p.precision)")
        }
    }

    /// `rematch_dependence` of the C params: nil for 0, the library's defaults for 1 (model v2 only).
    /// - Throws: `BoundaryError.outOfRange` for other values, `.invalid` for 1 with model v1.
    static func rematch(_ flag: Int64, modelVersion: Int) throws -> DependenceRematchOptions? {
        guard try Check.inRange(flag, 0...1, "rematch_dependence (1 = on, 0 = off)") == 1 else { return nil }
        guard modelVersion >= 2 else {
            throw BoundaryError.invalid("rematch_dependence needs model v2 (a volatility recursion to choose); "
                + "this model is v\(modelVersion): leave rematch_dependence at 0")
        }
        return DependenceRematchOptions()
    }
}

/// `int32_t tgfl_model_train(tgfl_model *, const double * returns, size_t n_returns,
/// const tgfl_train_params * params)`.
@_cdecl("tgfl_model_train")
public func cModelTrain(_ model: OpaquePointer?, _ returns: UnsafePointer<Double>?, _ nReturns: Int,
                        _ params: UnsafePointer<tgfl_train_params>?) -> Int32 {
    withModel(model) { box in
        guard let params else { throw BoundaryError.null("params") }
        let p = try tgfl_train_params.read(params)
        let n = try Check.size(nReturns, "n_returns")
        let series = try Check.buffer(returns, count: n, "returns")
        try Check.finite(series, "returns")
        // Prices passed as returns, or one absurd value, would put every day in one token bin.
        try DataSanity.check(returns: Array(series), series: "returns")
        var options = try TrainingOptions(checking: p, contextLength: box.model.config.contextLength)
        options.rematchDependence = try TrainingOptions.rematch(p.rematch_dependence,
                                                                modelVersion: box.model.config.modelVersion)
        // One training window needs seq_len + 1 days inside the training span.
        let length = options.sequenceLength ?? box.model.config.contextLength
        let trainingDays = Int((1 - options.validationFraction) * Double(n))
        guard trainingDays >= length + 1 else {
            throw TGFLError.data(
                file: "returns", row: nil, column: nil,
                message: "\(n) returns leave \(trainingDays) training days at val_fraction \(options.validationFraction); "
                + "one training window needs seq_len + 1 = \(length + 1); pass more returns or a shorter seq_len")
        }
        let trainer = try Trainer(model: box.model, options: options)
        _ = try trainer.fit(series: [ReturnSeries(name: "returns", values: Array(series))],
                            progress: trainingProgress(p, box: box))
    }
}
