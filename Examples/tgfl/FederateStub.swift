// Temporary stand-in until branch fedint (FederatedTrainer) is merged.
import ArgumentParser
import TGFLCore
import TGFLFederated

struct FederateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "federate", abstract: "(pending)")
    func run() throws { throw CommandFailure("federated training is not available in this build") }
}
struct StrategyKindStub { var rawValue: String }
func parseStrategyKind(_ name: String) throws -> StrategyKindStub { StrategyKindStub(rawValue: name) }
struct FederatedReportStub { var rounds: [Int] = [] }
func federatedOptions(clients: Int, rounds: Int, localSteps: Int, batchSize: Int, learningRate: Double,
                      partition: PartitionScheme, strategy: StrategyKindStub, strategyParameters: [String: Double],
                      fraction: Double, privacy: (Double, Double)?, delta: Double, secureAggregation: Bool,
                      seed: UInt64, threads: Int?) throws -> Int { 0 }
func federateWithProgress(model: ScenarioModel, series: [[Double]], options: Int) throws -> FederatedReportStub {
    throw CommandFailure("federated training is not available in this build: run 'tgfl demo --central'")
}
