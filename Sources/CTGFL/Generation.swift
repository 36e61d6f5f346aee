// Generation, logits and likelihood (include/tgfl.h, section "Generation and likelihood").

import CTGFLHeader
import Foundation
import TGFLCore

/// `tgfl_generate_params tgfl_generate_default_params(void)`: `GenerationOptions()`'s defaults.
@_cdecl("tgfl_generate_default_params")
public func cGenerateDefaultParams() -> tgfl_generate_params {
    let o = GenerationOptions()
    var p = tgfl_generate_params()
    p.struct_size = UInt32(MemoryLayout<tgfl_generate_params>.size)
    p.n_paths = Int32(clamping: o.paths)
    p.horizon = Int32(clamping: o.horizon)
    if case .fixed(let regime) = o.regime { p.regime = Int32(clamping: regime) } else { p.regime = 1 }
    p.regime_path = nil
    p.prompt = nil
    p.prompt_length = 0
    p.temperature = o.temperature
    p.seed = o.seed
    p.n_threads = 0
    p.unconditional = false
    p.progress = nil
    p.progress_user_data = nil
    return p
}

/// `a · b` for sizes, or nil on overflow.
func checkedProduct(_ factors: Int...) -> Int? {
    var product = 1
    for f in factors {
        let (r, overflow) = product.multipliedReportingOverflow(by: f)
        if overflow { return nil }
        product = r
    }
    return product
}

/// Throws STATE unless the model has its tokenizer and regime model.
private func requireFitted(_ model: ScenarioModel, _ purpose: String) throws {
    guard model.isFitted else {
        throw BoundaryError.state(
            "cannot \(purpose): the model has no tokenizer/regime model yet; train it "
            + "(tgfl_model_train) or load a trained checkpoint")
    }
}

/// `int32_t tgfl_model_generate(tgfl_model *, const tgfl_generate_params *, double * out,
/// size_t out_len)`.
@_cdecl("tgfl_model_generate")
public func cModelGenerate(_ model: OpaquePointer?, _ params: UnsafePointer<tgfl_generate_params>?,
                           _ out: UnsafeMutablePointer<Double>?, _ outLen: Int) -> Int32 {
    withModel(model) { box in
        guard let params else { throw BoundaryError.null("params") }
        let p = try tgfl_generate_params.read(params)
        let paths = Int(try Check.inRange(p.n_paths, 1...Int32.max, "n_paths"))
        let horizon = Int(try Check.inRange(p.horizon, 1...Int32.max, "horizon"))
        let count = try Check.size(outLen, "out_len")
        guard let expected = checkedProduct(paths, horizon), count == expected else {
            throw BoundaryError.shape("out_len is \(count) but n_paths × horizon = \(paths) × \(horizon)")
        }
        let destination = try Check.mutableBuffer(out, count: count, "out")
        var options = GenerationOptions(paths: paths, horizon: horizon)
        options.regime = try p.regimeCondition(horizon: horizon, regimes: box.model.config.nRegimes)
        let promptLength = try Check.size(p.prompt_length, "prompt_length")
        if promptLength > 0 || p.prompt != nil {
            let prompt = try Check.buffer(p.prompt, count: promptLength, "prompt", allowEmptyNull: true)
            try Check.finite(prompt, "prompt")
            options.prompt = prompt.isEmpty ? nil : Array(prompt)
        }
        options.temperature = try p.checkedTemperature()
        options.seed = p.seed
        options.threads = try Check.threads(p.n_threads, max: maxThreads)
        try requireFitted(box.model, "generate")

        let sink = ProgressSink(p.progress, p.progress_user_data, box: box)
        let progress: ((GenerationProgress) -> Bool)? = sink.map { sink in
            { value in
                let eta = value.etaSeconds
                return sink.report(tgfl_progress(
                    kind: Int32(TGFL_PROGRESS_GENERATE), step: value.pathsCompleted, total: value.totalPaths,
                    epoch: 0, trainLoss: nil, validationLoss: nil, tokensPerSecond: value.tokensPerSecond,
                    elapsedSeconds: value.elapsedSeconds, etaSeconds: eta))
            }
        }
        let scenarios = try box.model.generate(options, progress: progress)
        guard scenarios.returns.count == paths, scenarios.returns.allSatisfy({ $0.count == horizon }) else {
            throw BoundaryError(status: Status.internalError,
                                message: "internal error: generate returned a set of the wrong shape")
        }
        var offset = 0
        for row in scenarios.returns {
            for value in row {
                destination[offset] = value
                offset += 1
            }
        }
    }
}

/// `int32_t tgfl_model_logits(tgfl_model *, const int32_t * tokens, const int32_t * regimes,
/// int32_t batch, int32_t seq_len, float * out, size_t out_len)`.
@_cdecl("tgfl_model_logits")
public func cModelLogits(_ model: OpaquePointer?, _ tokens: UnsafePointer<Int32>?,
                         _ regimes: UnsafePointer<Int32>?, _ batch: Int32, _ seqLen: Int32,
                         _ out: UnsafeMutablePointer<Float>?, _ outLen: Int) -> Int32 {
    withModel(model) { box in
        let config = box.model.config
        let B = Int(try Check.inRange(batch, 1...Int32.max, "batch"))
        let T = Int(try Check.inRange(seqLen, 1...Int32(clamping: config.contextLength),
                                      "seq_len (context_length)"))
        guard let n = checkedProduct(B, T), let total = checkedProduct(n, config.vocabSize) else {
            throw BoundaryError.invalid("batch × seq_len × vocab_size overflows")
        }
        let count = try Check.size(outLen, "out_len")
        guard count == total else {
            throw BoundaryError.shape(
                "out_len is \(count) but batch × seq_len × vocab_size = \(B) × \(T) × \(config.vocabSize) = \(total)")
        }
        let tokenBuffer = try Check.buffer(tokens, count: n, "tokens")
        let regimeBuffer = try Check.buffer(regimes, count: n, "regimes")
        let destination = try Check.mutableBuffer(out, count: count, "out")
        // The transformer names the first token/regime id out of range.
        let logits = try box.model.logits(tokens: Array(tokenBuffer), regimes: Array(regimeBuffer),
                                          batch: B, length: T)
        guard logits.count == count else {
            throw BoundaryError(status: Status.internalError,
                                message: "internal error: logits has \(logits.count) values, expected \(count)")
        }
        _ = destination.initialize(from: logits)
    }
}

/// `int32_t tgfl_model_log_likelihood(tgfl_model *, const double * returns, size_t n_returns,
/// double * out_mean_loglik)`.
@_cdecl("tgfl_model_log_likelihood")
public func cModelLogLikelihood(_ model: OpaquePointer?, _ returns: UnsafePointer<Double>?, _ nReturns: Int,
                                _ outMeanLoglik: UnsafeMutablePointer<Double>?) -> Int32 {
    withModel(model) { box in
        let n = try Check.size(nReturns, "n_returns")
        let series = try Check.buffer(returns, count: n, "returns")
        guard let outMeanLoglik else { throw BoundaryError.null("out_mean_loglik") }
        guard n >= 2 else {
            throw BoundaryError.invalid("n_returns is \(n); the log-likelihood needs at least 2 returns")
        }
        try Check.finite(series, "returns")
        try requireFitted(box.model, "score returns")
        outMeanLoglik.pointee = try box.model.logLikelihood(returns: Array(series))
    }
}
