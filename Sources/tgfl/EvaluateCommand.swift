import ArgumentParser
import Foundation
import TGFLCore
import TGFLReport
import TGFLStats

/// `tgfl evaluate`: the stylized-facts report of synthetic paths against real data.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Compare synthetic paths with real returns: stylized facts, distances, risk (TGFLStats).",
        discussion: """
            The synthetic CSV holds one path of daily log returns per row, as 'tgfl generate' writes \
            it (a price file written with --prices is converted to log returns). Prints the report \
            table; exits with status 0 whatever the verdict (use --strict to fail on a failed fact).

            Example:
              tgfl evaluate --real prices.csv --synthetic paths.csv --start 2005-01-01 --json report.json
            """)

    @Option(help: ArgumentHelp("Real prices CSV (default: the bundled S&P 500).", valueName: "file"))
    var real: String?

    @Option(name: .customLong("date-column"), help: ArgumentHelp("Date column of --real ('none' for no dates).",
                                                                 valueName: "name"))
    var dateColumn: String = "date"

    @Option(help: ArgumentHelp("Price column of --real.", valueName: "name"))
    var column: String?

    @Option(name: .customLong("returns-column"), help: ArgumentHelp("Log-return column of --real (instead of --column).",
                                                                    valueName: "name"))
    var returnsColumn: String?

    @Option(help: ArgumentHelp("Synthetic paths CSV (one path per row).", valueName: "file"))
    var synthetic: String

    @Option(help: ArgumentHelp("First real date to use (YYYY-MM-DD).", valueName: "date"))
    var start: String?

    @Option(help: ArgumentHelp("Last real date to use (YYYY-MM-DD).", valueName: "date"))
    var end: String?

    @Option(parsing: .unconditional, help: "Seed of the report's subsamples (fair KS, MMD).")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Also write the report as JSON.", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Also write the report as Markdown.", valueName: "file"))
    var markdown: String?

    @Option(help: ArgumentHelp("Also write the HTML report (densities, QQ, ACF, facts; opens offline).",
                               valueName: "file"))
    var html: String?

    @Flag(help: "Exit with status 2 when a fact fails.")
    var strict = false

    func validate() throws {
        if column != nil && returnsColumn != nil {
            throw ValidationError("give either --column (prices) or --returns-column (log returns), not both")
        }
    }

    func run() throws {
        setUpLogging()
        if let json { try requireOutputDirectory(for: json) }
        if let markdown { try requireOutputDirectory(for: markdown) }
        if let html { try requireOutputDirectory(for: html) }
        let series = try selectSpan(
            DataOptions.load(path: real, dateColumn: dateColumn, column: column, returnsColumn: returnsColumn),
            start: start, end: end)
        let paths = try PathsCSV(path: synthetic)
        logInfo("real: \(real ?? "bundled S&P 500"), \(series.values.count) days\(dateSpan(series)); synthetic: "
                 + "\(synthetic), \(paths.returns.count) paths\(paths.convertedFromPrices ? " (prices → log returns)" : "")")
        let report = try StylizedFactsReport(real: series.values, synthetic: paths.returns,
                                             options: StylizedFactsOptions(seed: seed))
        print(report.textTable())
        if let json { try writeText(try report.jsonString(), to: json); logInfo("wrote \(json)") }
        if let markdown { try writeText(report.markdown(), to: markdown); logInfo("wrote \(markdown)") }
        if let html {
            try writeScenarioReport(to: html, input: ScenarioReportInput(
                title: "TGFL evaluation report", realName: real ?? "bundled S&P 500", real: series.values,
                scenarios: [.init(name: scenarioSetName(synthetic), paths: paths.returns)], stylizedFacts: report,
                runFacts: [("synthetic", synthetic), ("real", (real ?? "bundled S&P 500") + dateSpan(series))], seed: seed))
        }
        if strict && !report.overallPass { throw ExitCode(2) }
    }
}
