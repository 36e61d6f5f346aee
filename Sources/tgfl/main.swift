// The `tgfl` command: train, federate, generate, evaluate and inspect market scenario models,
// and `tgfl demo` (what `make demo` runs).
import ArgumentParser
import TGFLCore

/// The root command; each subcommand lives in its own file.
struct TGFLRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tgfl",
        abstract: "Market scenario simulation with federated learning (TGFL \(TGFLVersion.string)).",
        discussion: """
            Train a small transformer on daily log returns (centrally or federated across \
            institutions), generate scenarios for a market regime, and check them against real data.
            Progress is drawn on stderr; results go to stdout. Errors print one 'error: …' line.

            Quick start:
              tgfl demo
              tgfl train --steps 300 --out model.h5
              tgfl generate --model model.h5 --regime crisis --out crisis.csv
              tgfl evaluate --synthetic crisis.csv
              tgfl report --model model.h5 --out report.html
            """,
        version: TGFLVersion.string,
        subcommands: [DemoCommand.self, TrainCommand.self, PretrainCommand.self, FederateCommand.self, GenerateCommand.self,
                      EvaluateCommand.self, InspectCommand.self, AuditCommand.self,
                      ReportCommand.self,
                      // Issue 17: joint scenarios of several assets and portfolio stress tests.
                      TrainJointCommand.self, GenerateJointCommand.self, StressCommand.self, FederateJointCommand.self,
                      // Issue 16: walk-forward VaR/ES backtests.
                      BacktestCommand.self])
}

runCommandLine(TGFLRoot.self)
