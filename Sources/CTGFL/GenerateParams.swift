// The regime fields of `tgfl_generate_params`, shared by tgfl_model_generate and
// tgfl_joint_generate.

import CTGFLHeader
import Foundation
import TGFLCore

extension tgfl_generate_params {
    /// The regime condition: `unconditional`, else `regime_path` (one id per day), else `regime`.
    /// - Throws: OUT_OF_RANGE naming the first id outside `0 ..< regimes`.
    func regimeCondition(horizon: Int, regimes: Int) throws -> RegimeCondition {
        if unconditional { return .unconditional }
        if let pathPointer = regime_path {
            let path = UnsafeBufferPointer(start: pathPointer, count: horizon)
            if let i = path.firstIndex(where: { !(0..<Int32(clamping: regimes)).contains($0) }) {
                throw BoundaryError.outOfRange("regime_path[\(i)] is \(path[i]); regimes are 0..<\(regimes)")
            }
            return .path(path.map { Int($0) })
        }
        guard (0..<regimes).contains(Int(regime)) else {
            throw BoundaryError.outOfRange("regime is \(regime); regimes are 0..<\(regimes)")
        }
        return .fixed(Int(regime))
    }

    /// The temperature, finite and positive.
    /// - Throws: INVALID_ARGUMENT for NaN/∞, OUT_OF_RANGE for ≤ 0.
    func checkedTemperature() throws -> Double {
        let value = try Check.finite(temperature, "temperature")
        guard value > 0 else { throw BoundaryError.outOfRange("temperature must be > 0, got \(value)") }
        return value
    }
}
