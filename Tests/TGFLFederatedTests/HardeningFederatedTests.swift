import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated
@testable import TGFLFederation

/// Regression tests for issue 13 (hardening) in TGFLFederated.
final class HardeningFederatedTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 16, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)

    /// 3 series × 400 days.
    func windows() -> [WindowInfo] {
        var w = [WindowInfo]()
        for s in 0..<3 { for d in 0..<400 { w.append(WindowInfo(series: s, start: d, regime: (d / 50) % 4)) } }
        return w
    }

    func testExponentialPartitionWithManyClientsDoesNotTrap() throws {
        let w = windows()
        // 900 and 1,025 clients: e^(i+1) overflowed to ∞ and Int(NaN) trapped.
        for clients in [900, 1025] {
            XCTAssertThrowsError(try Partitioner(numClients: clients, scheme: .sizeSkew(.exponential), seed: 1)
                .partition(w)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("partition exponential: client 0 gets 0 windows"), text)
                XCTAssertFalse(text.contains("TGFLFederated."), "Swift type names in \(text)")
            }
            let parts = try Partitioner(numClients: clients, scheme: .sizeSkew(.exponential), seed: 1,
                                        minPartitionSize: 0).partition(w)
            XCTAssertEqual(parts.count, clients)
            XCTAssertEqual(parts.map(\.count).reduce(0, +), w.count)
            // Sizes ∝ e^(i+1): the last client holds 1 − 1/e ≈ 63.2 % of the windows.
            XCTAssertEqual(Double(parts.last!.count) / Double(w.count), 1 - exp(-1.0), accuracy: 1.0 / Double(w.count))
        }
    }

    func testFederatedRunWithEveryRoundSkippedFails() throws {
        var o = FederatedTrainingOptions()
        o.clientCount = 3
        o.rounds = 2
        o.localSteps = 2
        o.batchSize = 8
        o.partition = .natural
        o.maxValidationWindows = 8
        o.privacy = DPConfig(noiseMultiplier: 1e300, clippingNorm: 1, numSampledClients: 3)
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        let series = try GARCHGenerator().paths(count: 3, length: 300, seed: 7)
        XCTAssertThrowsError(try FederatedTrainer(model: model, options: o).fit(series: series)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("all 2 rounds were skipped"), text)
        }
    }
}
