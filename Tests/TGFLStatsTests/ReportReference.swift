import Foundation
import TGFLTestSupport

/// The golden values written by `Tests/Fixtures/make_stats_reference_report.py`.
struct ReportReference: Decodable {
    struct RandomCheck: Decodable {
        let seed: UInt64, stream: UInt64
        let firstWords: [String]
        let subsample: [Int]
    }
    struct DistanceCase: Decodable {
        let name: String
        let u: [Double], v: [Double]
        let dyBins: Int?
        let mmdCap: Int, mmdSeed: UInt64
        let wasserstein1: Double, energy: Double
        let mmd2: Double, mmdBandwidth: Double, mmdXCount: Int, mmdYCount: Int
        let dy: Double
    }
    struct HorizonRow: Decodable {
        let horizon: Int, realCount: Int, syntheticCount: Int
        let wasserstein1: Double, energy: Double, mmd2: Double, mmdBandwidth: Double, dy: Double
    }
    struct HorizonCase: Decodable {
        let real: [Double], synthetic: [[Double]], horizons: [Int]
        let mmdCap: Int, mmdSeed: UInt64
        let rows: [HorizonRow]
    }
    struct Curves: Decodable {
        let acfReturns: [Double], acfAbsolute: [Double], acfSquared: [Double], leverage: [Double]
    }
    struct Scores: Decodable {
        let acfReturns: Double, acfAbsolute: Double, acfSquared: Double, leverage: Double
    }
    struct QuantGANsCase: Decodable {
        let real: [Double], synthetic: [[Double]], maxLag: Int
        let realCurves: Curves, syntheticCurves: Curves, fairRealCurves: Curves
        let scores: Scores, fairScores: Scores
    }
    struct PSICase: Decodable {
        let name: String
        let reference: [Double], new: [Double]
        let bins: Int, epsilon: Double
        let psi: Double, edges: [Double]
        let ksStatistic: Double, ksPvalueAsymptotic: Double, ksPvalueAuto: Double
    }
    struct MemoScore: Decodable {
        let generatedCount: Int, heldOutCount: Int, trainingCount: Int
        let medianGenerated: Double, medianHeldOut: Double, medianRatio: Double
        let heldOutCloseDistance: Double, fractionCloser: Double
    }
    struct MemorizationCase: Decodable {
        let windowLength: Int
        let trainingSeries: [Double], heldOutSeries: [Double], freshSeries: [Double]
        let copyIndices: [Int]
        let copies: MemoScore, fresh: MemoScore, freshSubsampled: MemoScore
    }
    struct MemorizationVolatileCase: Decodable {
        let windowLength: Int
        let trainingSeries: [Double], heldOutSeries: [Double], freshSeries: [Double]
        let copyIndices: [Int], copyScale: Double
        let freshRaw: MemoScore, freshRms: MemoScore, scaledCopiesRms: MemoScore
    }

    struct ReportCase: Decodable {
        let real: [Double], synthetic: [[Double]]
        let seed: UInt64, maxLag: Int, mmdCap: Int, leverageLags: Int, horizons: [Int], ksSubsamples: Int
        let ksPvalues: [Double]
        let facts: [String: [Double?]]
        let rows: [HorizonRow]
        let scores: Scores, fairScores: Scores
        let memorizationWindow: Int
        let memorization: MemoScore
    }

    let randomCheck: RandomCheck
    let distances: [DistanceCase]
    let horizon: HorizonCase
    let quantGans: QuantGANsCase
    let psi: [PSICase]
    let memorization: MemorizationCase
    let memorizationVolatile: MemorizationVolatileCase
    let report: ReportCase

    /// Loaded once per test process.
    nonisolated(unsafe) static var cached: ReportReference?
    static func load() throws -> ReportReference {
        if let c = cached { return c }
        let data = try Data(contentsOf: fixtureURL("stats_reference_report.json"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let r = try decoder.decode(ReportReference.self, from: data)
        cached = r
        return r
    }
}
