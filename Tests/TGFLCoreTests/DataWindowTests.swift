import Foundation
import XCTest
import TGFLTestSupport
@testable import TGFLCore

/// Training windows, the time-ordered split, seeded batches and the whole pipeline.
final class DataWindowTests: XCTestCase {
    /// One series whose token on day d is d and whose regime label on day d is 100 + d, so
    /// every value names its day.
    private func daySeries(_ n: Int, offset: Int32 = 0) -> (tokens: [Int32], regimes: [Int32]) {
        ((0..<Int32(n)).map { $0 + offset }, (0..<Int32(n)).map { 100 + $0 + offset })
    }

    func testWindowLayoutRegimeIsTheTargetDays() throws {
        let s = daySeries(12)
        let ds = try WindowDataset(tokens: [s.tokens], regimes: [s.regimes], contextLength: 4)
        XCTAssertEqual(ds.count, 8, "starts 0...7: a window uses days s...s+4")
        let w = try ds.window(3)
        XCTAssertEqual(w.tokens, [3, 4, 5, 6, 7])
        XCTAssertEqual(w.regimes, [104, 105, 106, 107], "regimes[t] is the label of the day of tokens[t+1]")
        for t in 0..<4 { XCTAssertEqual(w.regimes[t], 100 + w.tokens[t + 1]) }
        XCTAssertEqual(ds.windows[3], WindowMetadata(seriesIndex: 0, startDay: 3, regime: 107))
        XCTAssertThrowsError(try ds.window(8))
    }

    func testStrideAndSeveralSeries() throws {
        let a = daySeries(10), b = daySeries(7, offset: 1000)
        let ds = try WindowDataset(tokens: [a.tokens, b.tokens], regimes: [a.regimes, b.regimes],
                                   contextLength: 3, stride: 2)
        XCTAssertEqual(ds.windows.map { [$0.seriesIndex, $0.startDay] },
                       [[0, 0], [0, 2], [0, 4], [0, 6], [1, 0], [1, 2]])
        XCTAssertEqual(try ds.window(5).tokens, [1002, 1003, 1004, 1005])
    }

    func testSplitNoWindowCrossesTheSplitDay() throws {
        let lengths = [40, 57, 23]
        let series = lengths.enumerated().map { daySeries($1, offset: Int32($0 * 1000)) }
        for stride in [1, 3] {
            let split = try WindowSplit(tokens: series.map(\.tokens), regimes: series.map(\.regimes),
                                        contextLength: 5, trainFraction: 0.7, stride: stride)
            XCTAssertEqual(split.splitDays, [28, 39, 16], "⌊0.7 n⌋")
            for j in lengths.indices {
                let k = split.splitDays[j]
                let train = split.train.windows.filter { $0.seriesIndex == j }
                let val = split.validation.windows.filter { $0.seriesIndex == j }
                XCTAssertFalse(train.isEmpty); XCTAssertFalse(val.isEmpty)
                let lastTrainDay = train.map { $0.startDay + 5 }.max()!
                let firstValDay = val.map(\.startDay).min()!
                XCTAssertLessThan(lastTrainDay, k)
                XCTAssertLessThanOrEqual(k, firstValDay)
                XCTAssertLessThan(val.map { $0.startDay + 5 }.max()!, lengths[j])
                if stride == 1 {
                    XCTAssertEqual(lastTrainDay, k - 1, "every whole window before the split is used")
                    XCTAssertEqual(firstValDay, k)
                }
            }
            // The contents agree: no token of a training window is from day ≥ k.
            for i in 0..<split.train.count {
                let w = try split.train.window(i), meta = split.train.windows[i]
                let day0 = Int32(meta.seriesIndex * 1000)
                XCTAssertTrue(w.tokens.allSatisfy { Int($0 - day0) < split.splitDays[meta.seriesIndex] })
            }
        }
        XCTAssertThrowsError(try WindowSplit(tokens: [series[0].tokens], regimes: [series[0].regimes],
                                             contextLength: 5, trainFraction: 0))
        XCTAssertThrowsError(try WindowSplit(tokens: [series[0].tokens], regimes: [series[0].regimes],
                                             contextLength: 5, trainFraction: 1.5))
        XCTAssertThrowsError(try WindowSplit(tokens: [series[0].tokens], regimes: [series[0].regimes],
                                             contextLength: 40, trainFraction: 0.8)) {
            XCTAssertTrue("\($0)".contains("41"), "\($0)")
        }
        let all = try WindowSplit(tokens: [series[0].tokens], regimes: [series[0].regimes],
                                  contextLength: 5, trainFraction: 1)
        XCTAssertTrue(all.validation.isEmpty)
        XCTAssertEqual(all.train.count, 35)
    }

    func testSeededBatchesAreReproducibleAndMatchTheDraws() throws {
        let s = daySeries(50)
        let ds = try WindowDataset(tokens: [s.tokens], regimes: [s.regimes], contextLength: 8)
        var rng = SeededRNG(seed: 77)
        let b = try ds.batch(size: 6, using: &rng)
        XCTAssertEqual(b.tokens.count, 6 * 9); XCTAssertEqual(b.regimes.count, 6 * 8)
        // Windows are drawn with replacement by rng.int(below: count), in order.
        var replay = SeededRNG(seed: 77)
        let picks = (0..<6).map { _ in replay.int(below: ds.count) }
        for (row, w) in picks.enumerated() {
            XCTAssertEqual(Array(b.tokens[(row * 9)..<(row * 9 + 9)]), try ds.window(w).tokens)
            XCTAssertEqual(Array(b.regimes[(row * 8)..<(row * 8 + 8)]), try ds.window(w).regimes)
        }
        var again = SeededRNG(seed: 77), other = SeededRNG(seed: 78)
        XCTAssertEqual(try ds.batch(size: 6, using: &again).tokens, b.tokens)
        XCTAssertNotEqual(try ds.batch(size: 6, using: &other).tokens, b.tokens)
        XCTAssertThrowsError(try ds.batch(size: 0, using: &rng))
        let empty = try WindowDataset(tokens: [[1, 2]], regimes: [[0, 0]], contextLength: 4)
        XCTAssertTrue(empty.isEmpty)
        XCTAssertThrowsError(try empty.batch(size: 1, using: &rng)) {
            XCTAssertTrue("\($0)".contains("no windows"), "\($0)")
        }
    }

    func testSequentialBatchesVisitEveryWindowOnceInOrder() throws {
        let s = daySeries(20)
        let ds = try WindowDataset(tokens: [s.tokens], regimes: [s.regimes], contextLength: 4)
        let batches = try ds.sequentialBatches(size: 5)
        XCTAssertEqual(batches.map(\.count), [5, 5, 5, 1], "16 windows")
        let firstTokens = batches.flatMap { b in (0..<b.count).map { b.tokens[$0 * 5] } }
        XCTAssertEqual(firstTokens, (0..<16).map(Int32.init))
        XCTAssertEqual(try ds.sequentialBatches(size: 5, dropLast: true).map(\.count), [5, 5, 5])
        XCTAssertEqual(batches.last?.tokens, try ds.window(15).tokens)
        XCTAssertThrowsError(try ds.sequentialBatches(size: 0))
    }

    func testWindowRegimeMetadataAndSubsets() throws {
        // Labels: days 1-2 calm (0), days 3-4 crisis (3): a tie goes to crisis.
        let tokens: [[Int32]] = [[5, 5, 5, 5, 5, 5]]
        let regimes: [[Int32]] = [[9, 0, 0, 3, 3, 1]]
        let ds = try WindowDataset(tokens: tokens, regimes: regimes, contextLength: 4)
        XCTAssertEqual(ds.windows.map(\.regime), [3, 3], "[0,0,3,3] → 3 (tie); [0,3,3,1] → 3")
        let one = try WindowDataset(tokens: [[1, 2, 3, 4]], regimes: [[2, 1, 1, 0]], contextLength: 3)
        XCTAssertEqual(one.windows.map(\.regime), [1], "the first day's label (2) is not a target")
        let sub = try ds.subset([1, 1])
        XCTAssertEqual(sub.count, 2)
        XCTAssertEqual(try sub.window(0).regimes, [0, 3, 3, 1])
        XCTAssertThrowsError(try ds.subset([2])) { XCTAssertTrue("\($0)".contains("2"), "\($0)") }
        XCTAssertThrowsError(try WindowDataset(tokens: [[1, 2, 3]], regimes: [[0, 0]], contextLength: 1)) {
            XCTAssertTrue("\($0)".contains("series 0"), "\($0)")
        }
        XCTAssertThrowsError(try WindowDataset(tokens: [[1]], regimes: [[0]], contextLength: 0))
        XCTAssertThrowsError(try WindowDataset(tokens: [[1]], regimes: [[0]], contextLength: 1, stride: 0))
    }

    func testPipelineOnSyntheticSeries() throws {
        let garch = try GARCHGenerator().paths(count: 2, length: 900, seed: 4)
        let series = [garch[0], Array(garch[1].prefix(600))]
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 128, trainFraction: 0.75, stride: 4)
        let data = try PreparedData(returns: series, config: config)
        XCTAssertEqual(data.split.splitDays, [675, 450])
        XCTAssertEqual(data.tokens.map(\.count), [900, 600])
        XCTAssertTrue(data.tokens.joined().allSatisfy { (0..<128).contains($0) })
        XCTAssertTrue(data.regimes.joined().allSatisfy { (0..<4).contains($0) })
        // Tokenizer and regimes were fitted on the training days of both series only.
        let training = [Array(series[0].prefix(675)), Array(series[1].prefix(450))]
        XCTAssertEqual(data.tokenizer, try ReturnTokenizer.fit(trainingReturns: training, vocabSize: 128))
        XCTAssertEqual(data.regimeModel, try RegimeModel.fit(trainingReturns: training))
        for (i, meta) in data.train.windows.enumerated() {
            XCTAssertLessThan(meta.startDay + 32, data.split.splitDays[meta.seriesIndex])
            let w = try data.train.window(i)
            XCTAssertEqual(w.regimes, Array(data.regimes[meta.seriesIndex][(meta.startDay + 1)...(meta.startDay + 32)]))
        }
        XCTAssertGreaterThan(data.validation.count, 0)

        config.contextLength = 700
        XCTAssertThrowsError(try PreparedData(returns: series, config: config))
        XCTAssertThrowsError(try PreparedData(returns: [[0.01, .nan] + series[0]], config: config)) {
            XCTAssertTrue("\($0)".contains("series_0") && "\($0)".contains("[1]"), "\($0)")
        }
    }

    func testConfigFromModel() {
        let c = DataPipelineConfig(model: .small)
        XCTAssertEqual(c.contextLength, 128); XCTAssertEqual(c.vocabSize, 512)
        XCTAssertEqual(c.regimeNames, ["calm", "normal", "volatile", "crisis"])
        var m = ModelConfig.small
        m.nRegimes = 3
        let c3 = DataPipelineConfig(model: m)
        XCTAssertEqual(c3.regimeNames, ["regime_0", "regime_1", "regime_2"])
        assertClose(c3.regimeQuantileLevels, [1.0 / 3, 2.0 / 3], rtol: 1e-15)
    }

    func testPipelineOnSP500WithSmallModel() throws {
        let data = try PreparedData(marketData: MarketData.sp500(), config: DataPipelineConfig(model: .small))
        XCTAssertEqual(data.split.splitDays, [4024])
        XCTAssertEqual(data.train.count, 4024 - 128)
        XCTAssertEqual(data.validation.count, 5030 - 4024 - 128)
        var rng = SeededRNG(seed: 1)
        let b = try data.train.batch(size: 32, using: &rng)
        XCTAssertEqual(b.tokens.count, 32 * 129); XCTAssertEqual(b.regimes.count, 32 * 128)
        // Regimes of training windows come in all four kinds; crisis is rare.
        let kinds = Dictionary(grouping: data.train.windows, by: \.regime).mapValues(\.count)
        XCTAssertEqual(Set(kinds.keys), [0, 1, 2, 3])
    }
}
