import ArgumentParser
import Foundation
import TGFLCore
import TGFLStats

/// `tgfl-bench stats`: times a full `StylizedFactsReport` on seeded GJR-GARCH(1,1)
/// Student-t data — by default 5,000 real-like days against 1,000 synthetic paths of 250 days
/// (target: under 1 second on 2 cores, release build).
struct StatsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Time the full stylized-facts report (distances, Quant GANs scores, KS, tails, memorization).")

    @Option(help: "Number of synthetic paths.") var paths = 1000
    @Option(help: "Days per synthetic path.") var days = 250
    @Option(name: .customLong("real-days"), help: "Days of the real-like series.") var realDays = 5000
    @Option(help: "Seed of the data and of the report's subsamples.") var seed: UInt64 = 42
    @Option(help: "Timed repetitions (the best is reported).") var repeats = 3
    @Flag(help: "Include the memorization score (training = first half of the real series, held out = second half).")
    var memorization = false
    @Flag(help: "Print the report table after the timing.") var verbose = false
    @Option(help: "Also write the report as JSON to this file.") var json: String?

    func validate() throws {
        guard paths >= 1, days >= 102, realDays >= 400, repeats >= 1 else {
            throw ValidationError("need paths ≥ 1, days ≥ 102, real-days ≥ 400 and repeats ≥ 1")
        }
    }

    func run() throws {
        let real = Self.gjrGarchT(days: realDays, rng: SeededRNG(seed: seed, stream: 0))
        // Paths are drawn from independent streams, so the data do not depend on the order.
        let synthetic = (0..<paths).map { Self.gjrGarchT(days: days, rng: SeededRNG(seed: seed, stream: 1 + UInt64($0))) }
        var input: MemorizationInput?
        if memorization {
            let half = realDays / 2
            input = MemorizationInput(
                training: try Memorization.windows(of: Array(real[..<half]), length: 20, stride: 20),
                heldOut: try Memorization.windows(of: Array(real[half...]), length: 20, stride: 20))
        }
        let options = StylizedFactsOptions(seed: seed)
        var best = Duration.seconds(1_000_000)
        var report: StylizedFactsReport?
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let t0 = clock.now
            report = try StylizedFactsReport(real: real, synthetic: synthetic, options: options, memorization: input)
            best = min(best, clock.now - t0)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        print("stats report: \(realDays) real days vs \(paths) × \(days) synthetic"
              + (memorization ? " + memorization" : "")
              + String(format: ": best of %d = %.3f s", repeats, seconds))
        if let r = report {
            print(r.summary)
            if verbose { print(r.textTable()) }
            if let path = json { try r.jsonData().write(to: URL(fileURLWithPath: path)) }
        }
    }

    /// A GJR-GARCH(1,1) path with standardized Student-t(5) shocks: fat tails, volatility
    /// clustering and a leverage effect, at roughly equity-index daily scale.
    /// ```
    /// r_t = σ_t z_t,  σ²_{t+1} = ω + (a + g·1[r_t < 0]) r_t² + b σ²_t,
    /// ω = 2e-6, a = 0.03, g = 0.09, b = 0.9
    /// ```
    static func gjrGarchT(days: Int, rng: SeededRNG) -> [Double] {
        var rng = rng
        let omega = 2e-6, a = 0.03, g = 0.09, b = 0.9, nu = 5.0
        let scale = ((nu - 2) / nu).squareRoot()
        var variance = omega / (1 - a - g / 2 - b)
        var out = [Double](repeating: 0, count: days)
        for t in 0..<days {
            let r = variance.squareRoot() * rng.studentT(nu: nu) * scale
            out[t] = r
            variance = omega + (a + (r < 0 ? g : 0)) * r * r + b * variance
        }
        return out
    }
}
