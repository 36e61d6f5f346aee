import Foundation
import XCTest
import TGFLTestSupport
@testable import TGFLCore

/// The uniform standardized tokenizer: NumPy reference on the S&P 500, round trips, clipping,
/// sampling inside bins, monotonicity, invalid inputs, checkpoint sections.
final class TokenizerTests: XCTestCase {
    struct Reference: Decodable {
        struct Tok: Decodable {
            let vocab_size: Int
            let clip_sigma: Double
            let mean: Double
            let std: Double
            let probe_index: [Int]
            let probe_tokens: [Int]
            let worst_index: Int
            let worst_date: String
            let worst_return: Double
        }
        let split_day: Int
        let tokenizer: Tok
    }

    func testFitAndTokensMatchNumPyOnSP500() throws {
        let ref: Reference = try loadJSONFixture("data_reference.json")
        let r = try MarketData.sp500().logReturns().values
        let tok = try ReturnTokenizer.fit(trainingReturns: Array(r[0..<ref.split_day]),
                                          vocabSize: ref.tokenizer.vocab_size)
        XCTAssertEqual(tok.clipSigma, ref.tokenizer.clip_sigma)
        assertClose(tok.mean, ref.tokenizer.mean, rtol: 1e-10, "training mean")
        assertClose(tok.std, ref.tokenizer.std, rtol: 1e-12, "training std, ddof=1")
        XCTAssertEqual(try tok.encode(ref.tokenizer.probe_index.map { r[$0] }),
                       ref.tokenizer.probe_tokens.map(Int32.init))
    }

    func testWorstDayOfTheBundledDataRoundTripsWithinOneBin() throws {
        let ref: Reference = try loadJSONFixture("data_reference.json")
        let series = try MarketData.sp500().logReturns()
        let worst = series.values[ref.tokenizer.worst_index]
        XCTAssertEqual(series.dates?[ref.tokenizer.worst_index].description, ref.tokenizer.worst_date)
        assertClose(worst, ref.tokenizer.worst_return, rtol: 1e-12)
        let tok = try ReturnTokenizer.fit(trainingReturns: Array(series.values[0..<ref.split_day]), vocabSize: 512)
        XCTAssertTrue(tok.range.contains(worst), "the crash must be inside the range, not clipped")
        let back = try tok.decode(tok.encode([worst]))[0]
        XCTAssertLessThanOrEqual(abs(back - worst), tok.binWidth)
        // Every day of the bundled data is representable.
        let all = try tok.decode(tok.encode(series.values))
        for (a, b) in zip(all, series.values) { XCTAssertLessThanOrEqual(abs(a - b), tok.binWidth / 2 * (1 + 1e-9)) }
    }

    func testRoundTripWithinHalfABinForAnyVocabularySize() throws {
        for v in [2, 3, 7, 64, 512] {
            let tok = try ReturnTokenizer(vocabSize: v, mean: 0.001, std: 0.02, clipSigma: 5)
            XCTAssertEqual(tok.binEdges.count, v + 1)
            assertClose(tok.binWidth, 2 * 5 * 0.02 / Double(v), rtol: 1e-14)
            assertClose(tok.binEdges[0], 0.001 - 0.1, rtol: 1e-14)
            assertClose(tok.binEdges[v], 0.001 + 0.1, rtol: 1e-14)
            // The range is 0.001 ± 0.1; probe inside it.
            let xs = stride(from: -0.0989, through: 0.1009, by: 0.000_37).map { $0 }
            let back = try tok.decode(tok.encode(xs))
            for (x, y) in zip(xs, back) {
                XCTAssertLessThanOrEqual(abs(x - y), tok.binWidth / 2 * (1 + 1e-12), "V=\(v) x=\(x)")
            }
            // Bin centres are fixed points.
            let centres = try tok.decode((0..<Int32(v)).map { $0 })
            XCTAssertEqual(try tok.encode(centres), (0..<Int32(v)).map { $0 })
        }
    }

    func testClippingAndMonotoneEncoding() throws {
        let tok = try ReturnTokenizer(vocabSize: 16, mean: 0, std: 0.01, clipSigma: 4)
        XCTAssertEqual(try tok.encode([-1, -0.05, 0.05, 1, -.infinity, .infinity]), [0, 0, 15, 15, 0, 15])
        XCTAssertEqual(try tok.encode(-0.04), 0, "the lower edge is inside bin 0")
        XCTAssertEqual(try tok.encode(0.04), 15, "the upper edge clips to the last bin")
        XCTAssertEqual(try tok.encode(0), 8, "0 is the lower edge of bin V/2")
        // Monotone: sorted returns give non-decreasing tokens.
        var rng = SeededRNG(seed: 1)
        let xs = (0..<2000).map { _ in rng.normal(mean: 0, std: 0.03) }.sorted()
        let t = try tok.encode(xs)
        XCTAssertTrue(zip(t, t.dropFirst()).allSatisfy { $0 <= $1 })
        // Bin edges map to the bin they open.
        for k in 0..<16 { XCTAssertEqual(try tok.encode(tok.binEdges[k]), Int32(k)) }
    }

    func testSamplesLieInsideTheirBin() throws {
        let tok = try ReturnTokenizer(vocabSize: 32, mean: 0.0005, std: 0.012)
        var rng = SeededRNG(seed: 5)
        for token in Int32(0)..<32 {
            let (lo, hi) = try tok.bounds(of: token)
            var sum = 0.0
            for _ in 0..<200 {
                let x = try tok.sample(token, using: &rng)
                XCTAssertTrue(x >= lo && x < hi, "token \(token): \(x) outside [\(lo), \(hi))")
                XCTAssertEqual(try tok.encode(x), token)
                sum += x
            }
            // Uniform in the bin: the mean is the centre (SE = width/√(12·200)).
            assertClose(sum / 200, try tok.decode(token), atol: 5 * (hi - lo) / (12.0 * 200).squareRoot())
        }
        var a = SeededRNG(seed: 9), b = SeededRNG(seed: 9)
        XCTAssertEqual(try tok.sample(3, using: &a), try tok.sample(3, using: &b))
    }

    func testInvalidInputsThrow() throws {
        XCTAssertThrowsError(try ReturnTokenizer.fit(trainingReturns: [Double](), vocabSize: 8)) {
            XCTAssertTrue("\($0)".contains("at least 2"), "\($0)")
        }
        XCTAssertThrowsError(try ReturnTokenizer.fit(trainingReturns: [0.1, 0.2], vocabSize: 1)) {
            XCTAssertTrue("\($0)".contains("vocabSize"), "\($0)")
        }
        XCTAssertThrowsError(try ReturnTokenizer.fit(trainingReturns: [0.1, .nan, 0.2], vocabSize: 8)) {
            XCTAssertTrue("\($0)".contains("[1]"), "\($0)")
        }
        XCTAssertThrowsError(try ReturnTokenizer.fit(trainingReturns: [0.1, 0.1, 0.1], vocabSize: 8)) {
            XCTAssertTrue("\($0)".contains("std"), "\($0)")
        }
        XCTAssertThrowsError(try ReturnTokenizer(vocabSize: 8, mean: 0, std: 1, clipSigma: 0))
        let tok = try ReturnTokenizer(vocabSize: 8, mean: 0, std: 1)
        XCTAssertThrowsError(try tok.encode([0, .nan])) { XCTAssertTrue("\($0)".contains("returns[1]"), "\($0)") }
        XCTAssertThrowsError(try tok.encode(.nan))
        XCTAssertThrowsError(try tok.decode([0, 8])) { XCTAssertTrue("\($0)".contains("tokens[1]"), "\($0)") }
        XCTAssertThrowsError(try tok.decode(-1))
        var rng = SeededRNG(seed: 1)
        XCTAssertThrowsError(try tok.sample(8, using: &rng))
    }

    func testCheckpointSectionRoundTripAndErrors() throws {
        let tok = try ReturnTokenizer(vocabSize: 64, mean: 0.0003, std: 0.011, clipSigma: 10)
        let section = tok.checkpointSection
        XCTAssertEqual(section.attributes["kind"], .string("uniform_standardized"))
        XCTAssertEqual(section.attributes["version"], .int(1))
        XCTAssertEqual(section.attributes["vocab_size"], .int(64))
        XCTAssertEqual(section.datasets["bin_edges"]?.count, 65)
        XCTAssertEqual(try ReturnTokenizer(checkpointSection: section), tok)

        // Each corruption, and the word its error must name (with the section's path).
        let corruptions: [(word: String, edit: (inout CheckpointSection) -> Void)] = [
            ("'std'", { $0.attributes["std"] = nil }),
            ("std", { $0.attributes["std"] = .double(-1) }),
            ("'mean'", { $0.attributes["mean"] = .double(.nan) }),
            ("quantile", { $0.attributes["kind"] = .string("quantile") }),
            ("'version'", { $0.attributes["version"] = nil }),
            ("vocab_size", { $0.attributes["vocab_size"] = .int(1) }),
            ("'bin_edges'", { $0.datasets["bin_edges"] = nil }),
            ("'bin_edges'[3]", { $0.datasets["bin_edges"]![3] += 1e-3 }),
            ("expected 65", { $0.datasets["bin_edges"] = [0, 1] }),
        ]
        for c in corruptions {
            assertThrows(try ReturnTokenizer(checkpointSection: edited(section, c.edit)), containing: [c.word, "/tokenizer"])
        }
    }
}
