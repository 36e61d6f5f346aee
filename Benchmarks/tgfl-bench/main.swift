import ArgumentParser
import TGFLCore

/// `tgfl-bench`: TGFL's benchmarks. Each subcommand lives in its own file
/// (`TrainBenchmark.swift`, `SgemmBenchmark.swift`, ...); add new ones to `subcommands`.
struct TGFLBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tgfl-bench",
        abstract: "TGFL benchmarks (tgfl \(TGFLVersion.string)).",
        subcommands: [TrainBenchmark.self, OpsBenchmark.self, SgemmBenchmark.self, StatsBenchmark.self,
                      GenerateBenchmark.self, FederatedBenchmark.self, FederatedEvidence.self,
                      RealismBenchmark.self, ReportBenchmark.self,
                      JointBenchmark.self,         // issue 17
                      ConditionalBenchmark.self,  // issue 16
                      BacktestDiagnosis.self,     // issue 16: why the one-day VaR is low
                      JointVarianceNoise.self])   // issue 17: the variance calibration's pilot noise
}

TGFLBench.main()
