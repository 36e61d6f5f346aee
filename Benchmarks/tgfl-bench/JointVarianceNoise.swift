import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl-bench joint-variance`: the joint variance calibration's pilot noise (issue 17, session 22).
/// For each model and pilot seed, runs `calibrateVariance(pilotSeed:pilotPaths:)` from scale 1
/// and prints each asset's kept ω scale, the pilots' scales and variances over the targets, and
/// the seconds; with `--save DIR`, writes each calibrated model to `DIR/seed_<s>.h5` (to generate
/// from). With `--grid`, instead runs one pilot per common scale c of the list on every asset
/// (the stored calibration replaced) and prints each asset's pilot variance over its target:
/// how smooth the pilot's variance is in c under the same pilot uniforms.
struct JointVarianceNoise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "joint-variance", abstract: "Issue 17: the joint variance calibration's ω scales across pilot seeds.")

    @Option(help: "Joint checkpoints (comma-separated).") var models: String
    @Option(name: .customLong("pilot-seeds"), help: "Pilot seeds (comma-separated).") var pilotSeeds: String = "168975521"
    @Option(name: .customLong("pilot-paths"), help: "Paths per pilot.") var pilotPaths: Int = JointVarianceCalibration.pilotPaths
    @Option(help: "With --grid: common scales c (comma-separated).") var grid: String?
    @Option(help: "Write each calibrated model to DIR/<model's parent dir>_seed_<s>.h5.") var save: String?

    /// The comma-separated values of `option`, each parsed by `parse` (nil: refused by name).
    static func list<T>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
        try text.split(separator: ",").map { item in
            let s = item.trimmingCharacters(in: .whitespaces)
            guard let v = parse(s) else { throw ValidationError("\(option): '\(s)' is not a valid value") }
            return v
        }
    }

    func run() throws {
        let seeds = try Self.list(pilotSeeds, "--pilot-seeds") { UInt64($0) }
        for path in models.split(separator: ",").map(String.init) {
            let model = try JointScenarioModel.load(from: path)
            guard let models = model.dataModels, let calibration = models.varianceCalibration else {
                throw ValidationError("\(path): no variance calibration targets")
            }
            let tag = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
            print("\(tag): assets \(models.assets.joined(separator: ",")); stored ω scales "
                  + (calibration.scales ?? []).map { String(format: "%.4f", $0) }.joined(separator: " "))
            if let grid {
                let cs = try Self.list(grid, "--grid") { Double($0).flatMap { $0.isFinite && $0 > 0 ? $0 : nil } }
                for seed in seeds {
                    for c in cs {
                        try model.setDataModels(try models.replacingVarianceCalibration(
                            try calibration.calibrated(scales: [Double](repeating: c, count: models.assets.count))))
                        let pilot = try model.generate(JointGenerationOptions(paths: pilotPaths, horizon: JointVarianceCalibration.pilotHorizon,
                                                                              seed: seed))
                        let ratios = (0..<models.assets.count).map { k -> Double in
                            let r = pilot.returns.flatMap { $0.map { $0[k] } }, m = r.reduce(0, +) / Double(r.count)
                            return r.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(r.count) / calibration.targets[k]
                        }
                        print(String(format: "grid seed %llu paths %d c %.4f: V/V* ", seed, pilotPaths, c)
                              + ratios.map { String(format: "%.4f", $0) }.joined(separator: " "))
                    }
                }
                continue
            }
            for seed in seeds {
                try model.setDataModels(models)
                let started = Date()
                let report = try model.calibrateVariance(pilotSeed: seed, pilotPaths: pilotPaths)!
                let seconds = Date().timeIntervalSince(started)
                print(String(format: "seed %llu paths %d pilots %d %.2f s: kept ", seed, pilotPaths, report.scales.count, seconds)
                      + report.kept.map { String(format: "%.4f", $0) }.joined(separator: " ")
                      + " | kept V/V* " + report.relativeErrors.map { String(format: "%+.4f", $0) }.joined(separator: " "))
                for (i, (c, v)) in zip(report.scales, report.variances).enumerated() {
                    print("  pilot \(i): c " + c.map { String(format: "%.4f", $0) }.joined(separator: " ")
                          + " V/V* " + zip(v, report.targets).map { String(format: "%.4f", $0 / $1) }.joined(separator: " "))
                }
                if let save {
                    try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
                    try model.save(to: "\(save)/\(tag)_seed_\(seed).h5")
                }
            }
        }
    }
}
