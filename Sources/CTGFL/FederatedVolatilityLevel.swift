// Dates of a federated run's series and the clients' volatility level released with noise
// (include/tgfl.h, tgfl_federated_params: series_dates, series_dates_lengths, public_dates,
// public_dates_length, dp_volatility_noise; issue 19, session 14; dp_volatility_bound, session 18). The same mechanism as
// `tgfl federate --dp-volatility-noise` (TGFLFederated's `NoisedVolatilityLevel`).

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLFederated

extension Check {
    /// `series` with the dates of `series_dates` (returned unchanged when it is NULL).
    /// - Throws: naming series i and the fix: a NULL array or counts, a count other than
    ///   `lengths[i]` (SHAPE), a value that is not a yyyymmdd calendar day, dates not strictly increasing.
    static func datedSeries(_ series: [ReturnSeries], _ p: tgfl_federated_params) throws -> [ReturnSeries] {
        guard let table = p.series_dates else {
            guard p.series_dates_lengths == nil else {
                throw BoundaryError.invalid("series_dates_lengths is set but series_dates is NULL: give both, "
                    + "or neither for undated series")
            }
            return series
        }
        guard let countsPointer = p.series_dates_lengths else {
            throw BoundaryError.invalid("series_dates is set but series_dates_lengths is NULL: give the number of "
                + "dates of each series (n_series counts, each equal to lengths[i])")
        }
        let pointers = try buffer(table, count: series.count, "series_dates")
        let counts = try buffer(countsPointer, count: series.count, "series_dates_lengths")
        return try series.enumerated().map { i, s in
            let n = try size(counts[i], "series_dates_lengths[\(i)]")
            guard n == s.values.count else {
                throw BoundaryError.shape("series \(i): series_dates_lengths[\(i)] is \(n) but lengths[\(i)] is "
                    + "\(s.values.count); give one date per return (the day of its close)")
            }
            let dates = try tradingDates(try buffer(pointers[i], count: n, "series_dates[\(i)]"),
                                         "series_dates[\(i)]", what: "series \(i)")
            return ReturnSeries(name: s.name, dates: dates, values: s.values)
        }
    }

    /// yyyymmdd values as dates: each a calendar day, strictly increasing.
    /// - Throws: INVALID_ARGUMENT naming `name`'s first bad index (`what` starts the message).
    static func tradingDates(_ values: UnsafeBufferPointer<Int32>, _ name: String, what: String) throws -> [TradingDate] {
        var dates: [TradingDate] = []
        dates.reserveCapacity(values.count)
        for (k, v) in values.enumerated() {
            guard v > 0, let d = try? TradingDate(year: Int(v / 10_000), month: Int(v / 100 % 100), day: Int(v % 100))
            else {
                throw BoundaryError.invalid("\(what): \(name)[\(k)] is \(v), not a calendar day written yyyymmdd "
                    + "(e.g. 19990104 for 4 January 1999)")
            }
            if let last = dates.last, d <= last {
                throw BoundaryError.invalid("\(what): \(name) is not strictly increasing ([\(k - 1)] is \(last), "
                    + "[\(k)] is \(d)); give one date per return in time order, without repeats")
            }
            dates.append(d)
        }
        return dates
    }
}

extension FederatedTrainingOptions {
    /// The public returns' dates (`public_dates`) and the level's noise multiplier
    /// (`dp_volatility_noise`), after `readDataModelSource`; `series_dates` is read with the series.
    /// - Throws: `BoundaryError` naming the field and the fix: public dates without public returns
    ///   or with a bundled source, a count other than `public_returns_length`, bad dates; a negative
    ///   or non-finite multiplier; a bound h (`dp_volatility_bound`, 0 = the default 0.25) that is
    ///   negative or not finite, or set without the release; the release without DP rounds, without
    ///   a public source, with undated public returns, or without `series_dates`. The partition is
    ///   checked by the trainer.
    mutating func readVolatilityLevelNoise(_ p: tgfl_federated_params) throws {
        let dateCount = try Check.size(p.public_dates_length, "public_dates_length")
        if p.public_dates != nil || dateCount > 0 {
            guard p.data_models_from == nil else {
                throw BoundaryError.invalid("public_dates go with public_returns; the bundled data_models_from "
                    + "series is dated already: set public_dates = NULL and public_dates_length = 0")
            }
            guard let publicSeries = publicData?.first else {
                throw BoundaryError.invalid("public_dates is set without public_returns: give the public returns "
                    + "they date, or set public_dates = NULL and public_dates_length = 0")
            }
            guard dateCount == publicSeries.values.count else {
                throw BoundaryError.shape("public_dates_length is \(dateCount) but public_returns_length is "
                    + "\(publicSeries.values.count); give one date per public return (the day of its close)")
            }
            let dates = try Check.tradingDates(try Check.buffer(p.public_dates, count: dateCount, "public_dates"),
                                               "public_dates", what: "the public series")
            publicData = [ReturnSeries(name: publicSeries.name, dates: dates, values: publicSeries.values)]
        }
        let z = try Check.finite(p.dp_volatility_noise, "dp_volatility_noise")
        guard z >= 0 else { throw BoundaryError.outOfRange("dp_volatility_noise must be >= 0 (0 = off), got \(z)") }
        let h = try Check.finite(p.dp_volatility_bound, "dp_volatility_bound")
        guard h >= 0 else {
            throw BoundaryError.outOfRange("dp_volatility_bound must be > 0 (0 = the default \(NoisedVolatilityLevel.sensitivity)), got \(h)")
        }
        guard z > 0 else {
            guard h == 0 else {
                throw BoundaryError.invalid("dp_volatility_bound is the box of the noised volatility level: set "
                    + "dp_volatility_noise > 0 too, or leave dp_volatility_bound at 0 (the default)")
            }
            return
        }
        guard privacy != nil else {
            throw BoundaryError.invalid("dp_volatility_noise needs dp_noise_multiplier > 0: the level's release is "
                + "accounted together with the DP rounds")
        }
        guard let publicSeries = publicData?.first else {
            throw BoundaryError.invalid("dp_volatility_noise releases the clients' volatility relative to a public "
                + "series: give data_models_from (e.g. \"djia\") or public_returns with public_dates")
        }
        guard publicSeries.dates != nil else {
            throw BoundaryError.invalid("dp_volatility_noise compares each client's returns with the public series' "
                + "on the same dates, but public_returns has no dates: give public_dates (one yyyymmdd per public "
                + "return), or a bundled data_models_from")
        }
        guard p.series_dates != nil else {
            throw BoundaryError.invalid("dp_volatility_noise compares each client's returns with the public series' "
                + "on the same dates, but the series have none: give series_dates and series_dates_lengths "
                + "(one yyyymmdd per return of each series)")
        }
        volatilityLevelNoiseMultiplier = z
        volatilityLevelBound = h > 0 ? h : NoisedVolatilityLevel.sensitivity
    }
}
