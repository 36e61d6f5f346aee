// The README's Swift example, compiled with the package so it cannot go stale:
// train on the bundled S&P 500, generate crisis and unconditional scenarios, evaluate them, then
// run a small federation of 4 institutions. Run: swift run -c release tgfl-example
// (writes example-model.h5 and example-crisis.csv into the working directory).
import Foundation
import TGFLCore
import TGFLFederated
import TGFLStats

if CommandLine.arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
    print("""
        usage: tgfl-example
        Trains a small model v2 on the bundled S&P 500 (100 steps), writes example-model.h5 and
        example-crisis.csv into the working directory, prints the stylized-facts report of
        unconditional scenarios, then runs a 4-institution federation. Takes no options.
        """)
    exit(0)
}
if let unknown = CommandLine.arguments.dropFirst().first {
    FileHandle.standardError.write(Data("tgfl-example: unknown argument '\(unknown)'; it takes no options (see --help)\n".utf8))
    exit(64)
}

let sp500 = try MarketData.sp500()                         // bundled S&P 500, 1999–2018
let returns = try sp500.logReturns("close").values

let config = ModelConfig(vocabSize: 256, contextLength: 64, dModel: 64, nLayers: 2,
                         nHeads: 4, dFF: 256, nRegimes: 4, modelVersion: 2)
let model = try ScenarioModel(config: config, seed: 7)
var trainingOptions = TrainingOptions(steps: 100, batchSize: 16)
trainingOptions.restoreBest = true                           // keep the best validation evaluation
let trainer = try Trainer(model: model, options: trainingOptions)
_ = try trainer.fit(series: [returns]) { progress in
    if progress.step % 25 == 0 { print("step \(progress.step)  loss \(progress.trainLoss)") }
    return true                                              // return false to cancel
}
try model.save(to: "example-model.h5")

let crisis = try model.regimeIndex("crisis")
let scenarios = try model.generate(GenerationOptions(paths: 200, horizon: 250,
                                                     regime: .fixed(crisis), seed: 42))
try scenarios.writeCSV(to: "example-crisis.csv")

// Unconditional: the model's own volatility state moves each path between regimes.
let year = try model.generate(GenerationOptions(paths: 200, horizon: 250, regime: .unconditional, seed: 43))
let report = try StylizedFactsReport(real: returns, synthetic: year.returns)
print(report.textTable())

// Federated: the same data split across 4 institutions by contiguous time periods.
var options = FederatedTrainingOptions()
options.clientCount = 4
options.rounds = 5
options.localSteps = 5
options.batchSize = 16
options.partition = .timePeriods
options.strategy = .fedadam
let federatedModel = try ScenarioModel(config: config, seed: 7)
let result = try FederatedTrainer(model: federatedModel, options: options).fit(series: [returns])
print("federated rounds: \(result.rounds.count), epsilon: \(result.epsilon ?? .infinity)")
