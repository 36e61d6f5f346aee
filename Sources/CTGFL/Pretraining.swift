// Pretraining on many series and adapting a pretrained model to new data (include/tgfl.h,
// section "Pretraining and fine-tuning"; `tgfl pretrain`, `tgfl train --init`).

import CTGFLHeader
import Foundation
import TGFLCore

extension Check {
    /// `n_series` return series from C arrays: every pointer, length and value checked, each
    /// series named `series[i]` (or by `names[i]`) in errors.
    /// - Throws: `BoundaryError`/`TGFLError.data` naming the series and what is wrong.
    static func returnSeries(_ series: UnsafePointer<UnsafePointer<Double>?>?, _ lengths: UnsafePointer<Int>?,
                             _ nSeries: Int, names: UnsafePointer<UnsafePointer<CChar>?>? = nil) throws -> [ReturnSeries] {
        let count = try size(nSeries, "n_series")
        guard count >= 1 else { throw BoundaryError.invalid("n_series is 0; give at least one return series") }
        let pointers = try buffer(series, count: count, "series")
        let sizes = try buffer(lengths, count: count, "lengths")
        let labels = try names.map { try buffer($0, count: count, "names") }
        return try (0..<count).map { i in
            let name = try labels.map { try string($0[i], "names[\(i)]") } ?? "series[\(i)]"
            let n = try size(sizes[i], "lengths[\(i)]")
            let values = try buffer(pointers[i], count: n, "series[\(i)]")
            try finite(values, "series[\(i)]")
            try DataSanity.check(returns: Array(values), series: name)
            return ReturnSeries(name: name, values: Array(values))
        }
    }
}

/// `int32_t tgfl_model_pretrain(tgfl_model *, const double * const * series, const size_t * lengths,
/// const char * const * names, size_t n_series, const tgfl_train_params *)`.
@_cdecl("tgfl_model_pretrain")
public func cModelPretrain(_ model: OpaquePointer?, _ series: UnsafePointer<UnsafePointer<Double>?>?,
                           _ lengths: UnsafePointer<Int>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
                           _ nSeries: Int, _ params: UnsafePointer<tgfl_train_params>?) -> Int32 {
    withModel(model) { box in
        guard let params else { throw BoundaryError.null("params") }
        let p = try tgfl_train_params.read(params)
        let corpus = try Check.returnSeries(series, lengths, nSeries, names: names)
        let options = try TrainingOptions(checking: p, contextLength: box.model.config.contextLength)
        let trainer = try Trainer(model: box.model, options: options)
        let report = try trainer.pretrain(corpus: corpus, progress: trainingProgress(p, box: box))
        try box.model.setPretrainingRecord(PretrainingRecord(
            series: corpus.map(\.name), days: corpus.reduce(0) { $0 + $1.values.count }, steps: report.stepsRun,
            bestStep: report.bestStep, seed: options.seed))
    }
}

/// `int32_t tgfl_model_adapt_data_models(tgfl_model *, const double * returns, size_t n_returns,
/// double train_fraction, bool reset_output_prior)`.
@_cdecl("tgfl_model_adapt_data_models")
public func cModelAdaptDataModels(_ model: OpaquePointer?, _ returns: UnsafePointer<Double>?, _ nReturns: Int,
                                  _ trainFraction: Double, _ resetOutputPrior: Bool) -> Int32 {
    withModel(model) { box in
        let n = try Check.size(nReturns, "n_returns")
        let values = try Check.buffer(returns, count: n, "returns")
        try Check.finite(values, "returns")
        try DataSanity.check(returns: Array(values), series: "returns")
        let fraction = try Check.finite(trainFraction, "train_fraction")
        guard fraction > 0, fraction <= 1 else {
            throw BoundaryError.outOfRange("train_fraction must be in (0, 1] (1 - the fine-tuning's val_fraction), got \(fraction)")
        }
        try box.model.adaptDataModels(to: [ReturnSeries(name: "returns", values: Array(values))], trainFraction: fraction,
                                      resetOutputPrior: resetOutputPrior)
        if var record = try box.model.pretrainingRecord() {
            record.fineTunedOn.append("returns")
            try box.model.setPretrainingRecord(record)
        }
    }
}

/// The progress callback of `params` as a `Trainer` progress closure (nil without a callback).
func trainingProgress(_ p: tgfl_train_params, box: ModelBox) -> ((TrainingProgress) -> Bool)? {
    ProgressSink(p.progress, p.progress_user_data, box: box).map { sink in
        { value in
            sink.report(tgfl_progress(
                kind: Int32(TGFL_PROGRESS_TRAIN), step: value.step, total: value.totalSteps, epoch: value.epoch,
                trainLoss: value.trainLoss, validationLoss: value.validationLoss,
                tokensPerSecond: value.tokensPerSecond, elapsedSeconds: value.elapsedSeconds,
                etaSeconds: value.etaSeconds))
        }
    }
}
