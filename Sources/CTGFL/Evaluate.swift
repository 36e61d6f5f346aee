// Evaluation (include/tgfl.h, section "Evaluation"): TGFLStats' StylizedFactsReport as JSON.

import CTGFLHeader
import Foundation
import TGFLStats
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `int32_t tgfl_evaluate(const double * real, size_t n_real, const double * synthetic,
/// int32_t n_paths, int32_t horizon, uint64_t seed, char ** out_json)`.
@_cdecl("tgfl_evaluate")
public func cEvaluate(_ real: UnsafePointer<Double>?, _ nReal: Int, _ synthetic: UnsafePointer<Double>?,
                      _ nPaths: Int32, _ horizon: Int32, _ seed: UInt64,
                      _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outJSON?.pointee = nil
    return withStatus {
        guard let outJSON else { throw BoundaryError.null("out_json") }
        let n = try Check.size(nReal, "n_real")
        let realBuffer = try Check.buffer(real, count: n, "real")
        try Check.finite(realBuffer, "real")
        let paths = Int(try Check.inRange(nPaths, 1...Int32.max, "n_paths"))
        let days = Int(try Check.inRange(horizon, 1...Int32.max, "horizon"))
        guard let total = checkedProduct(paths, days) else {
            throw BoundaryError.invalid("n_paths × horizon overflows")
        }
        let syntheticBuffer = try Check.buffer(synthetic, count: total, "synthetic")
        try Check.finite(syntheticBuffer, "synthetic")
        let rows = (0..<paths).map { i in Array(syntheticBuffer[(i * days)..<((i + 1) * days)]) }
        let report = try StylizedFactsReport(real: Array(realBuffer), synthetic: rows,
                                             options: StylizedFactsOptions(seed: seed))
        let json: String
        do {
            json = try report.jsonString()
        } catch {
            throw BoundaryError(status: Status.internalError, message: "internal error encoding the report: \(error)")
        }
        guard let copy = strdup(json) else {
            throw BoundaryError(status: Status.internalError, message: "out of memory copying the report JSON")
        }
        outJSON.pointee = copy
    }
}

/// `void tgfl_string_free(char *)`: frees a string returned by TGFL; NULL is a no-op.
@_cdecl("tgfl_string_free")
public func cStringFree(_ string: UnsafeMutablePointer<CChar>?) {
    free(string)
}
