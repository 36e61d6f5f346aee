// Where a federated run's data models come from (include/tgfl.h, tgfl_federated_params:
// data_models_from, public_returns, dp_summaries_noise, public_mean_term, public_z_marginal; issue 19).

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLFederated

extension FederatedTrainingOptions {
    /// `publicData` from `data_models_from` (a bundled series) or `public_returns`, the switches of
    /// the MA(1) mean term (`public_mean_term`) and of the public z marginal (`public_z_marginal`),
    /// and the DP summaries' noise multiplier; every field checked.
    /// - Throws: `BoundaryError`/`TGFLError.invalidArgument` naming the field: both sources
    ///   given, an unknown bundled name, a NULL pointer with a length, non-finite or too few
    ///   returns, a `public_mean_term` or `public_z_marginal` other than 0 or 1, a negative or non-finite noise multiplier,
    ///   DP summaries without DP or with a
    ///   public source.
    mutating func readDataModelSource(_ p: tgfl_federated_params) throws {
        let length = try Check.size(p.public_returns_length, "public_returns_length")
        if p.data_models_from != nil, p.public_returns != nil || length > 0 {
            throw BoundaryError.invalid("give either data_models_from (a bundled series) or public_returns, not both")
        }
        if let name = p.data_models_from {
            publicData = [try PublicDataModels.bundledSeries(try Check.string(name, "data_models_from"))]
        } else if p.public_returns != nil || length > 0 {
            guard length >= 2 else {
                throw BoundaryError.invalid("public_returns_length is \(length); the public data models need at "
                    + "least 2 log returns (set public_returns = NULL and the length to 0 for none)")
            }
            let values = try Check.buffer(p.public_returns, count: length, "public_returns")
            try Check.finite(values, "public_returns")
            try DataSanity.check(returns: Array(values), series: "public_returns")
            publicData = [ReturnSeries(name: "public_returns", values: Array(values))]
        }
        publicMeanTerm = try Check.inRange(p.public_mean_term, 0...1, "public_mean_term (1 = on, 0 = off)") == 1
        publicZMarginal = try Check.inRange(p.public_z_marginal, 0...1, "public_z_marginal (1 = on, 0 = off)") == 1
        let z = try Check.finite(p.dp_summaries_noise, "dp_summaries_noise")
        guard z >= 0 else { throw BoundaryError.outOfRange("dp_summaries_noise must be >= 0 (0 = off), got \(z)") }
        guard z > 0 else { return }
        guard privacy != nil else {
            throw BoundaryError.invalid("dp_summaries_noise needs dp_noise_multiplier > 0: the summaries' release "
                + "is accounted together with the DP rounds")
        }
        guard publicData == nil else {
            throw BoundaryError.invalid("dp_summaries_noise with a public source: the data models come from the "
                + "public data, no summary is released; drop one of them")
        }
        summaryNoiseMultiplier = z
    }
}
