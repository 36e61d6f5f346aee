import ArgumentParser
import Foundation
import TGFLCore
import TGFLReport
import TGFLStats

/// `tgfl-bench report`: times the HTML report of issue 15 — by default four regimes plus one
/// overall set of 1,000 × 250 paths against 5,000 real-like days, with the memorization chart
/// (target: under 1 s to compute, render and write, and at most 3 MB). As in `tgfl demo`, the
/// stylized-facts report is computed beforehand (`tgfl-bench stats` times it); --with-facts
/// times it inside the report as well.
struct ReportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Time the HTML report (numbers, page, atomic write) of 1,000 × 250 paths per set.")

    @Option(help: "Paths per set.") var paths = 1000
    @Option(help: "Days per path.") var days = 250
    @Option(help: "Scenario sets (the last one is the overall set).") var sets = 5
    @Option(name: .customLong("real-days"), help: "Days of the real-like series.") var realDays = 5000
    @Option(help: "Seed of the data.") var seed: UInt64 = 42
    @Option(help: "Timed repetitions (the best is reported).") var repeats = 3
    @Flag(name: .customLong("with-facts"), help: "Compute the stylized-facts report inside the timed region.")
    var withFacts = false
    @Option(help: "Where to write the page.") var out = ".build/report-bench.html"

    func validate() throws {
        guard paths >= 1, days >= 102, realDays > days + 40, sets >= 1, repeats >= 1 else {
            throw ValidationError("need paths ≥ 1, days ≥ 102, real-days > days + 40, sets ≥ 1 and repeats ≥ 1")
        }
    }

    func run() throws {
        let real = StatsBenchmark.gjrGarchT(days: realDays, rng: SeededRNG(seed: seed, stream: 0))
        let scenarioSets: [ScenarioReportInput.ScenarioSet] = (0..<sets).map { s in
            let set = (0..<paths).map {
                StatsBenchmark.gjrGarchT(days: days, rng: SeededRNG(seed: seed, stream: 1 + UInt64(s * paths + $0)))
            }
            return s == sets - 1 ? .init(name: "overall", paths: set)
                : .init(name: "regime \(s)", paths: set, realRegimeDays: Array(real[(s * 1000 % realDays)...].prefix(1000)))
        }
        let facts = withFacts ? nil : try StylizedFactsReport(real: real, synthetic: scenarioSets[sets - 1].paths,
                                                              options: StylizedFactsOptions(seed: seed))
        let input = ScenarioReportInput(real: real, scenarios: scenarioSets, stylizedFacts: facts,
                                        trainingDays: realDays * 4 / 5, seed: seed)
        var best = Double.infinity
        var size = 0
        for _ in 0..<repeats {
            let t0 = BenchmarkSupport.now()
            let html = try ScenarioReport.html(input)
            try Data(html.utf8).write(to: URL(fileURLWithPath: try AtomicSave.resolveTarget(out)), options: .atomic)
            best = min(best, BenchmarkSupport.now() - t0)
            size = html.utf8.count
        }
        print("report: \(sets) sets × \(paths) × \(days) paths vs \(realDays) real days"
              + (withFacts ? " (facts included)" : "")
              + String(format: ": best of %d = %.3f s, %.2f MB", repeats, best, Double(size) / 1e6) + " (\(out))")
    }
}
