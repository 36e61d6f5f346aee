import Foundation
import XCTest
import TGFLTestSupport
@testable import TGFLCore

/// Regime thresholds and labels against NumPy (Tests/Fixtures/make_data_reference.py) on the
/// bundled S&P 500, training-span-only fitting, lookup by name/index, checkpoint sections.
final class RegimeModelTests: XCTestCase {
    struct Reference: Decodable {
        let window: Int
        let quantile_levels: [Double]
        let train_fraction: Double
        let split_day: Int
        let thresholds: [Double]
        let vol_probe_index: [Int]
        let vol_probe: [Double]
        let labels: String
        let label_counts_train: [Int]
        let labels_at_dates: [String: Int]
    }

    private func sp500() throws -> (returns: [Double], dates: [TradingDate]) {
        let series = try MarketData.sp500().logReturns()
        return (series.values, try XCTUnwrap(series.dates))
    }

    func testThresholdsAndLabelsMatchNumPy() throws {
        let ref: Reference = try loadJSONFixture("data_reference.json")
        let (r, dates) = try sp500()
        XCTAssertEqual(Int((ref.train_fraction * Double(r.count)).rounded(.down)), ref.split_day)
        let model = try RegimeModel.fit(trainingReturns: Array(r[0..<ref.split_day]))
        XCTAssertEqual(model.window, ref.window)
        XCTAssertEqual(model.quantileLevels, ref.quantile_levels)
        XCTAssertEqual(model.names, ["calm", "normal", "volatile", "crisis"])
        assertClose(model.thresholds, ref.thresholds, rtol: 1e-12, "np.quantile of training trailing vol")

        let vol = RegimeModel.trailingVolatility(r, window: 20)
        assertClose(ref.vol_probe_index.map { vol[$0] }, ref.vol_probe, rtol: 1e-12, "trailing vol")

        let labels = try model.label(r)
        XCTAssertEqual(labels.count, r.count)
        let expected = ref.labels.map { Int32(String($0))! }
        let mismatches = zip(labels, expected).enumerated().filter { $1.0 != $1.1 }.map(\.offset)
        XCTAssertEqual(mismatches, [], "labels differ from numpy searchsorted on days \(mismatches.prefix(5))")
        for (date, label) in ref.labels_at_dates {
            let i = try XCTUnwrap(dates.firstIndex(of: TradingDate(iso: date)!), date)
            XCTAssertEqual(labels[i], Int32(label), date)
        }
        // The default quantiles make crisis rare but present on the training span.
        var counts = [0, 0, 0, 0]
        for l in labels[19..<ref.split_day] { counts[Int(l)] += 1 }
        XCTAssertEqual(counts, ref.label_counts_train)
        XCTAssertEqual(labels[dates.firstIndex(of: TradingDate(iso: "2008-10-15")!)!], 3, "Oct 2008 is crisis")
    }

    func testThresholdsUseOnlyTheTrainingSpan() throws {
        let ref: Reference = try loadJSONFixture("data_reference.json")
        let (r, _) = try sp500()
        let config = DataPipelineConfig(contextLength: 32, vocabSize: 64)
        let prepared = try PreparedData(returns: [r], config: config)
        XCTAssertEqual(prepared.split.splitDays, [ref.split_day])
        assertClose(prepared.regimeModel.thresholds, ref.thresholds, rtol: 1e-12)

        // Make everything after the split ten times as volatile: thresholds, tokenizer and the
        // training labels do not move.
        var changed = r
        for i in ref.split_day..<changed.count { changed[i] *= 10 }
        let other = try PreparedData(returns: [changed], config: config)
        XCTAssertEqual(other.regimeModel, prepared.regimeModel)
        XCTAssertEqual(other.tokenizer, prepared.tokenizer)
        XCTAssertEqual(Array(other.regimes[0][0..<ref.split_day]), Array(prepared.regimes[0][0..<ref.split_day]))
        // Control: fitting on the whole changed series would move them.
        XCTAssertNotEqual(try RegimeModel.fit(trainingReturns: changed).thresholds, prepared.regimeModel.thresholds)
    }

    func testTrailingVolatilityClosedForm() throws {
        // w = 2: v1 = sqrt((9+16)/2), v0 = v1 (first day backfilled), v2 = sqrt(16/2), v3 = 0.
        assertClose(RegimeModel.trailingVolatility([3, 4, 0, 0], window: 2),
                    [(12.5).squareRoot(), (12.5).squareRoot(), (8.0).squareRoot(), 0], rtol: 1e-15)
        // Shorter than the window: every day gets the whole-series value.
        assertClose(RegimeModel.trailingVolatility([3, 4], window: 5), [(12.5).squareRoot(), (12.5).squareRoot()],
                    rtol: 1e-15)
        // Labels count the thresholds at or below the volatility (searchsorted side="right").
        let model = try RegimeModel(names: ["lo", "mid", "hi"], window: 1, quantileLevels: [0.3, 0.6],
                                    thresholds: [1, 2])
        XCTAssertEqual(try model.label([0.5, -1, 1.5, 2, -7]), [0, 1, 1, 2, 2])
    }

    func testRegimeLookupByNameAndIndex() throws {
        let model = try RegimeModel(thresholds: [0.01, 0.02, 0.03])
        XCTAssertEqual(try model.regime(named: "CRISIS"), Regime(index: 3, name: "crisis"))
        XCTAssertEqual(try model.regime(named: " Calm "), Regime(index: 0, name: "calm"))
        XCTAssertEqual(try model.regime("2").name, "volatile")
        XCTAssertEqual(try model.regime("normal").index, 1)
        XCTAssertEqual(model.regimes.map(\.name), RegimeModel.defaultNames)
        XCTAssertThrowsError(try model.regime(named: "panic")) { error in
            let text = "\(error)"
            for name in RegimeModel.defaultNames { XCTAssertTrue(text.contains(name), text) }
        }
        XCTAssertThrowsError(try model.regime(at: 4)) { XCTAssertTrue("\($0)".contains("0..<4"), "\($0)") }
        XCTAssertThrowsError(try model.regime("-1"))
    }

    func testInvalidSettingsAndInputsThrow() throws {
        XCTAssertThrowsError(try RegimeModel.fit(trainingReturns: [0.01, 0.02], window: 20)) {
            XCTAssertTrue("\($0)".contains("series 0"), "\($0)")
        }
        XCTAssertThrowsError(try RegimeModel.fit(trainingReturns: Array(repeating: 0.01, count: 30) + [.nan])) {
            XCTAssertTrue("\($0)".contains("[30]"), "\($0)")
        }
        XCTAssertThrowsError(try RegimeModel(quantileLevels: [0.5, 0.4, 0.9], thresholds: [1, 2, 3]))
        XCTAssertThrowsError(try RegimeModel(names: ["a", "A"], quantileLevels: [0.5], thresholds: [1]))
        XCTAssertThrowsError(try RegimeModel(thresholds: [1, 2]))
        XCTAssertThrowsError(try RegimeModel(thresholds: [3, 2, 1]))
        XCTAssertThrowsError(try RegimeModel(window: 0, thresholds: [1, 2, 3]))
        let model = try RegimeModel(thresholds: [1, 2, 3])
        XCTAssertThrowsError(try model.label([]))
        XCTAssertThrowsError(try model.label([0.1, .infinity])) { XCTAssertTrue("\($0)".contains("[1]")) }
    }

    func testCheckpointSectionRoundTripAndErrors() throws {
        let (r, _) = try sp500()
        let model = try RegimeModel.fit(trainingReturns: Array(r.prefix(3000)))
        let section = model.checkpointSection
        XCTAssertEqual(section.attributes["kind"], .string("trailing_volatility_quantiles"))
        XCTAssertEqual(section.attributes["version"], .int(1))
        XCTAssertEqual(section.attributes["window"], .int(20))
        XCTAssertEqual(section.attributes["names"], .string(#"["calm","normal","volatile","crisis"]"#))
        XCTAssertEqual(section.datasets["thresholds"], model.thresholds)
        XCTAssertEqual(try RegimeModel(checkpointSection: section), model)

        // Each corruption, and the word its error must name (with the section's path).
        let corruptions: [(word: String, edit: (inout CheckpointSection) -> Void)] = [
            ("'window'", { $0.attributes["window"] = nil }),
            ("hmm", { $0.attributes["kind"] = .string("hmm") }),
            ("version 2", { $0.attributes["version"] = .int(2) }),
            ("'thresholds'", { $0.datasets["thresholds"] = [0.1] }),
            ("'quantile_levels'", { $0.datasets["quantile_levels"] = nil }),
            ("'names'", { $0.attributes["names"] = .string("calm,normal") }),
            ("'window'", { $0.attributes["window"] = .string("20") }),
            ("window", { $0.attributes["window"] = .int(0) }),
        ]
        for c in corruptions {
            assertThrows(try RegimeModel(checkpointSection: edited(section, c.edit)), containing: [c.word, "/regimes"])
        }
    }
}
