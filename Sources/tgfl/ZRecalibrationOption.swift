import ArgumentParser
import TGFLCore

/// `--z-recalibration n,λ|off` of `tgfl generate` and `tgfl backtest`: nil for "off".
func parseZRecalibration(_ text: String) throws -> ZRecalibration? {
    if text.lowercased() == "off" { return nil }
    do { return try ZRecalibration(parsing: text) } catch {
        throw ValidationError("--z-recalibration: \(error); or 'off'")
    }
}
