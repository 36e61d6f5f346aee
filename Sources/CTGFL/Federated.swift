// Federated training (include/tgfl.h, section "Federated training").

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLFederated

/// `tgfl_federated_params tgfl_federated_default_params(void)`.
@_cdecl("tgfl_federated_default_params")
public func cFederatedDefaultParams() -> tgfl_federated_params {
    var p = tgfl_federated_params()
    p.strategy = Int32(TGFL_STRATEGY_FEDAVG.rawValue)
    p.partition = Int32(TGFL_PARTITION_TIME.rawValue)
    p.partition_param = .nan
    p.n_clients = 8
    p.rounds = 30
    p.local_steps = 10
    p.batch_size = 32
    p.seq_len = 0
    p.learning_rate = 1e-3
    p.val_fraction = 0.2
    p.fraction_train = 1.0
    p.min_train_nodes = 2
    p.proximal_mu = .nan
    p.server_learning_rate = .nan
    p.server_momentum = .nan
    p.eta = .nan
    p.eta_l = .nan
    p.beta_1 = .nan
    p.beta_2 = .nan
    p.tau = .nan
    p.trim_beta = .nan
    p.q = .nan
    p.num_malicious_nodes = -1
    p.num_nodes_to_select = -1
    p.dp_noise_multiplier = 0
    p.dp_clip_norm = 1.0
    p.dp_delta = 1e-5
    p.secure_aggregation = false
    p.seed = 42
    p.n_threads = 0
    p.progress = nil
    p.progress_user_data = nil
    return p
}

/// `int32_t tgfl_model_train_federated(tgfl_model *, const double * const * series,
/// const size_t * lengths, size_t n_series, const tgfl_federated_params *, double * out_epsilon)`.
@_cdecl("tgfl_model_train_federated")
public func cModelTrainFederated(_ model: OpaquePointer?, _ series: UnsafePointer<UnsafePointer<Double>?>?,
                                 _ lengths: UnsafePointer<Int>?, _ nSeries: Int,
                                 _ params: UnsafePointer<tgfl_federated_params>?,
                                 _ outEpsilon: UnsafeMutablePointer<Double>?) -> Int32 {
    withModel(model) { box in
        guard let params else { throw BoundaryError.null("params") }
        let p = params.pointee
        let count = try Check.size(nSeries, "n_series")
        guard count >= 1 else { throw BoundaryError.invalid("n_series is 0; give at least one return series") }
        let pointers = try Check.buffer(series, count: count, "series")
        let sizes = try Check.buffer(lengths, count: count, "lengths")
        var arrays: [[Double]] = []
        for i in 0..<count {
            let n = try Check.size(sizes[i], "lengths[\(i)]")
            let values = try Check.buffer(pointers[i], count: n, "series[\(i)]")
            try Check.finite(values, "series[\(i)]")
            arrays.append(Array(values))
        }
        _ = try Check.inRange(p.strategy, 0...Int32(TGFL_STRATEGY_QFEDAVG.rawValue), "strategy (tgfl_strategy)")
        _ = try Check.inRange(p.partition, 0...Int32(TGFL_PARTITION_SIZE_EXPONENTIAL.rawValue),
                              "partition (tgfl_partition)")
        _ = outEpsilon
        _ = box
        throw BoundaryError(status: Status.internalError, message: "federated training is not available yet")
    }
}
