import ArgumentParser
import Foundation
import TGFLCore
import TGFLReport
import TGFLStats

/// `tgfl stress`: a portfolio's horizon P&L, VaR, ES, drawdown and component ES under each
/// market regime, from the joint scenarios of a train-joint model (issue 17).
struct StressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Stress-test a portfolio under market regimes with a joint scenario model.",
        discussion: """
            Buy-and-hold over --horizon days. Give --weights (money or fractions per asset) or \
            --positions with --prices. For each regime (--regime, default every regime) it prints VaR and \
            ES at --level, the mean and 95th percentile of the maximum drawdown and each asset's share of \
            the ES (they add up to the ES). --worst-out writes the worst --worst scenarios of each regime.

            Example:
              tgfl stress --model eu.h5 --weights dax=0.4,ftse=0.6 --regime crisis
              tgfl stress --model eu.h5 --positions dax=10,cac=20 --prices dax=1600,cac=1800 --worst-out worst.csv
              tgfl stress --model eu.h5 --weights dax=0.5,ftse=0.5 --real-bundled eu_stocks --html stress.html

            --real-bundled or --real-data adds VaR and ES over the real windows of --horizon days that \
            start on a day the model's filters put in each regime (the columns named as the model's assets).
            """)

    @Option(help: ArgumentHelp("Joint checkpoint (from train-joint).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Portfolio weights, asset=amount pairs (e.g. dax=0.4,ftse=0.6).", valueName: "a=w,..."))
    var weights: String?

    @Option(help: ArgumentHelp("Positions (units held), asset=units pairs; needs --prices.", valueName: "a=n,..."))
    var positions: String?

    @Option(help: ArgumentHelp("Prices per unit for --positions, asset=price pairs.", valueName: "a=p,..."))
    var prices: String?

    @Option(help: ArgumentHelp("Market regime(s), comma-separated names or indices; default: every regime.",
                               valueName: "name"))
    var regime: String?

    @Option(parsing: .unconditional, help: "Tail probability of VaR and ES.")
    var level: Double = 0.01

    @Option(parsing: .unconditional, help: "How many worst scenarios to export per regime.")
    var worst: Int = 10

    @Option(name: .customLong("worst-out"), help: ArgumentHelp("CSV for the worst scenarios.", valueName: "file"))
    var worstOut: String?

    @Option(name: .customLong("json"), help: ArgumentHelp("Also write the results as JSON.", valueName: "file"))
    var jsonOut: String?

    @Option(help: ArgumentHelp("Write the HTML report: P&L densities with VaR and ES, VaR/ES bars, drawdowns, component ES, worst scenarios.",
                               valueName: "file"))
    var html: String?

    @Option(name: .customLong("real-bundled"), help: ArgumentHelp(
        "Compare with the real windows of a bundled multi-asset series (e.g. eu_stocks).", valueName: "name"))
    var realBundled: String?

    @Option(name: .customLong("real-data"), help: ArgumentHelp(
        "Compare with the real windows of a price CSV whose columns are named as the model's assets.", valueName: "file"))
    var realData: String?

    @OptionGroup var sampling: JointSamplingOptions

    func validate() throws {
        guard (weights == nil) != (positions == nil) else {
            throw ValidationError("give either --weights or --positions (with --prices)")
        }
        if positions != nil && prices == nil { throw ValidationError("--positions needs --prices asset=price,...") }
        guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1), got \(level)") }
        try Limits.check(worst, "--worst", 0, Limits.count)
        if realBundled != nil && realData != nil { throw ValidationError("give --real-bundled or --real-data, not both") }
    }

    /// The real columns of the model's assets and each day's market regime, when asked for.
    func realDays(_ models: JointDataModels) throws -> (name: String, columns: [[Double]], labels: [Int32])? {
        guard realBundled != nil || realData != nil else { return nil }
        let source = realBundled.map { ["--bundled", $0] } ?? ["--data", realData!]
        let option = realBundled.map { "--real-bundled \($0)" } ?? "--real-data \(realData!)"
        let options: JointDataOptions
        do { options = try JointDataOptions.parse(source + ["--columns", models.assets.joined(separator: ",")]) } catch {
            throw CommandFailure("\(option): " + JointDataOptions.message(for: error))
        }
        let columns: [[Double]]
        do { columns = try options.load().columns } catch let error as CommandFailure {
            throw CommandFailure("\(option): \(error.message) (the real data needs a column per asset of the model: "
                                 + models.assets.joined(separator: ", ") + ")")
        }
        return (realBundled ?? realData!, columns, try models.encode(columns, what: "real data").regimes)
    }

    /// The weight of every asset of the model (0 for assets not named).
    func portfolioWeights(assets: [String]) throws -> [Double] {
        func parse(_ text: String, _ option: String) throws -> [String: Double] {
            let pairs = try parseKeyValues(text.split(separator: ",").map(String.init), option: option)
            for name in pairs.keys where !assets.contains(name.lowercased()) {
                throw CommandFailure("\(option): the model has no asset '\(name)'; its assets are \(assets.joined(separator: ", "))")
            }
            return Dictionary(uniqueKeysWithValues: pairs.map { ($0.key.lowercased(), $0.value) })
        }
        if let weights {
            let w = try parse(weights, "--weights")
            return assets.map { w[$0] ?? 0 }
        }
        let n = try parse(positions!, "--positions"), p = try parse(prices!, "--prices")
        for name in n.keys where p[name] == nil { throw CommandFailure("--prices has no price for '\(name)'") }
        return try PortfolioStress.weights(positions: assets.map { n[$0] ?? 0 }, prices: assets.map { p[$0] ?? 0 })
    }

    func run() throws {
        setUpLogging()
        for path in [worstOut, jsonOut, html].compactMap({ $0 }) { try requireOutputDirectory(for: path) }
        let joint = try loadJointModel(model)
        let models = joint.dataModels!
        let w = try portfolioWeights(assets: models.assets)
        guard w.contains(where: { $0 != 0 }) else { throw CommandFailure("every weight is 0; name at least one asset") }
        let regimes = try regime.map { try $0.split(separator: ",").map { try joint.regimeIndex(String($0)) } }
            ?? Array(models.regimeNames.indices)
        let real = try realDays(models)
        if let real { logInfo("real data: \(real.name), \(real.columns[0].count) days") }
        var pages: [StressReportInput.Regime] = []
        Interrupt.install()
        var worstCSV = ["regime,rank,path,pnl,day," + models.assets.joined(separator: ",")]
        var records: [[String: Any]] = []
        print("portfolio: " + zip(models.assets, w).filter { $0.1 != 0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
              + "; \(sampling.paths) paths × \(sampling.horizon) days; α = \(level)")
        print("regime      VaR          ES           mean MDD   p95 MDD    component ES (" + models.assets.joined(separator: ", ") + ")")
        for g in regimes {
            let name = models.regimeNames[g]
            let set = try sampling.generate(joint, regime: .fixed(g), label: name)
            let stress = try PortfolioStress(scenarios: set.returns, weights: w, level: level, worst: worst)
            let drawdowns = stress.maxDrawdowns.sorted()
            let meanDD = drawdowns.reduce(0, +) / Double(drawdowns.count)
            let p95 = try Descriptive.quantile(drawdowns, 0.95)
            print(name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + [stress.valueAtRisk, stress.expectedShortfall].map { format($0).padding(toLength: 13, withPad: " ", startingAt: 0) }.joined()
                  + [meanDD, p95].map { format($0).padding(toLength: 11, withPad: " ", startingAt: 0) }.joined()
                  + stress.componentExpectedShortfall.map(format).joined(separator: ", "))
            for (rank, p) in stress.worstScenarios.enumerated() {
                for d in 0..<set.horizon {
                    worstCSV.append("\(name),\(rank + 1),\(p),\(stress.profitAndLoss[p]),\(d + 1),"
                                    + set.returns[p][d].map { "\($0)" }.joined(separator: ","))
                }
            }
            var realStress: PortfolioStress?
            if let real {
                let windows = try StressReportInput.realWindows(columns: real.columns, labels: real.labels, regime: g,
                                                                horizon: sampling.horizon)
                if windows.count >= StressReportInput.minimumRealWindows {
                    realStress = try PortfolioStress(scenarios: windows, weights: w, level: level, worst: 0)
                    print("  real: \(windows.count) windows, VaR \(format(realStress!.valueAtRisk)), ES \(format(realStress!.expectedShortfall))")
                } else {
                    print("  real: \(windows.count) windows (fewer than \(StressReportInput.minimumRealWindows): not compared)")
                }
            }
            if html != nil { pages.append(.init(name: name, stress: stress, scenarios: set.returns, real: realStress)) }
            records.append(["regime": name, "var": stress.valueAtRisk, "es": stress.expectedShortfall,
                            "mean_max_drawdown": meanDD, "p95_max_drawdown": p95,
                            "component_es": Dictionary(uniqueKeysWithValues: zip(models.assets, stress.componentExpectedShortfall)),
                            "worst_paths": stress.worstScenarios])
        }
        if let html {
            let input = StressReportInput(assets: models.assets, weights: w, level: level, horizon: sampling.horizon,
                                          realName: real?.name, regimes: pages)
            try writeReportPage(to: html) {
                StressReport.document(try StressReportData(input), facts: [
                    ("model", model), ("scenarios", "\(sampling.paths) paths × \(sampling.horizon) days per regime"),
                    ("seed", String(sampling.seed)), ("temperature", String(sampling.temperature))])
            }
            print("wrote \(html)")
        }
        if let worstOut {
            try writeText(worstCSV.joined(separator: "\n") + "\n", to: worstOut)
            print("wrote the worst \(worst) scenarios of each regime to \(worstOut)")
        }
        if let jsonOut {
            try writeText(try jsonText(["model": model, "level": level, "paths": sampling.paths, "horizon": sampling.horizon,
                                        "seed": sampling.seed, "assets": models.assets, "weights": w, "regimes": records]),
                          to: jsonOut)
            print("wrote \(jsonOut)")
        }
    }

    private func format(_ x: Double) -> String { String(format: "%.6g", x) }
}
