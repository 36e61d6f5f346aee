// The README's Swift example, compiled with the package so it cannot go stale:
// train on the bundled S&P 500, generate crisis scenarios, evaluate them, then run a small
// federation of 4 institutions. Run: swift run -c release tgfl-example
import TGFLCore
import TGFLFederated
import TGFLStats

let sp500 = try MarketData.sp500()                         // bundled S&P 500, 1999–2018
let returns = try sp500.logReturns("close").values

let config = ModelConfig(vocabSize: 256, contextLength: 64, dModel: 64, nLayers: 2,
                         nHeads: 4, dFF: 256, nRegimes: 4)
let model = try ScenarioModel(config: config, seed: 7)
let trainer = try Trainer(model: model, options: TrainingOptions(steps: 100, batchSize: 16))
_ = try trainer.fit(series: [returns]) { progress in
    if progress.step % 25 == 0 { print("step \(progress.step)  loss \(progress.trainLoss)") }
    return true                                              // return false to cancel
}
try model.save(to: "example-model.h5")

let crisis = try model.regimeIndex("crisis")
let scenarios = try model.generate(GenerationOptions(paths: 200, horizon: 250,
                                                     regime: .fixed(crisis), seed: 42))
try scenarios.writeCSV(to: "example-crisis.csv")

let report = try StylizedFactsReport(real: returns, synthetic: scenarios.returns)
print(report.textTable())

// Federated: the same data split across 4 institutions by contiguous time periods.
var options = FederatedTrainingOptions()
options.clients = 4
options.rounds = 5
options.localSteps = 5
options.batchSize = 16
options.partition = .timePeriods
options.strategy = .fedadam
let federatedModel = try ScenarioModel(config: config, seed: 7)
let result = try FederatedTrainer(model: federatedModel, options: options).fit(series: [returns])
print("federated rounds: \(result.rounds.count), epsilon: \(result.epsilon ?? .infinity)")
