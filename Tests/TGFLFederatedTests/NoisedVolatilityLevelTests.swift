import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated

/// The clients' volatility level released through a Gaussian mechanism relative to the public
/// series (issue 19): the released figure against NumPy, ε of rounds + release against
/// dp-accounting, the sensitivity bound, the noise scale, the calibration target, the record.
/// Golden file: `Tests/Fixtures/make_volatility_level_reference.py`.
final class NoisedVolatilityLevelTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 16, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                  nRegimes: 4).v2(levels: 4)

    struct Owners: Decodable {
        let clients: Int, days: Int, train_fraction: Double, ratios: [Double], mean_ratio: Double
        let public_days: Int, public_mean: Double, public_variance: Double, target_variance: Double
    }
    struct Reference: Decodable { let sensitivity: Double; let owners: [Owners]; let epsilon: [NoisedSummariesTests.Entry] }

    static func reference() throws -> Reference {
        try loadJSONFixture("volatility_level_reference.json", as: Reference.self)
    }

    /// The bundled S&P 500 (dated) and the bundled Dow Jones over 1999–2018 (the public series).
    static func data() throws -> (sp: ReturnSeries, djia99: ReturnSeries) {
        let sp = try MarketData.bundled(.sp500).logReturns()
        let dj = try MarketData.bundled(.djia).logReturns()
        let keep = try XCTUnwrap(dj.dates).indices.filter { (1999...2018).contains(dj.dates![$0].year) }
        return (sp, ReturnSeries(name: "djia99", dates: keep.map { dj.dates![$0] }, values: keep.map { dj.values[$0] }))
    }

    static func prefix(_ s: ReturnSeries, _ n: Int) -> ReturnSeries {
        ReturnSeries(name: s.name, dates: s.dates.map { Array($0.prefix(n)) }, values: Array(s.values.prefix(n)))
    }

    /// Every owner's clipped log-σ ratio to the public series on its days, their noise-free
    /// mean and the target variance equal NumPy's (8 clients on the whole S&P 500, 4 on its first
    /// 2,000 days; time partition, train fraction 0.8).
    func testOwnerRatiosAndTargetEqualNumPy() throws {
        let ref = try Self.reference()
        XCTAssertEqual(ref.sensitivity, NoisedVolatilityLevel.sensitivity)
        let (sp, djia99) = try Self.data()
        XCTAssertEqual(djia99.values.count, ref.owners[0].public_days)
        let publicByDate = Dictionary(uniqueKeysWithValues: zip(djia99.dates!, djia99.values))
        for o in ref.owners {
            let days = try NoisedVolatilityLevel.ownerDays([Self.prefix(sp, o.days)], owners: o.clients,
                                                           partition: .timePeriods, trainFraction: o.train_fraction)
            let u = days.map { NoisedVolatilityLevel.ownerRatio($0, publicByDate: publicByDate) }
            assertClose(u, o.ratios, rtol: 1e-9, "owner ratios, \(o.clients) clients")
            // A noise multiplier of 1e-12 leaves the noise-free mean (the noise itself is checked below).
            let t = try NoisedVolatilityLevel.targets([Self.prefix(sp, o.days)], publicData: [djia99], owners: o.clients,
                                                      partition: .timePeriods, trainFraction: o.train_fraction,
                                                      noiseMultiplier: 1e-12, seed: 3)
            assertClose(t.logRatio, o.mean_ratio, rtol: 1e-9, "ū")
            assertClose(t.variance, o.target_variance, rtol: 1e-9, "target variance")
            assertClose(t.mean, o.public_mean, rtol: 1e-9, "target mean")
        }
    }

    /// ε of T rounds composed with the level's Gaussian release at q = 1 equals dp-accounting's
    /// within 1 % (RDP and PLD; add/remove and replace-one), as the record composes it.
    func testRoundsPlusLevelEpsilonEqualsDPAccounting() throws {
        let ref = try Self.reference()
        XCTAssertEqual(ref.epsilon.count, 5)
        let worst = try NoisedSummariesTests.checkRoundsPlusOneGaussian(ref.epsilon)
        print("rounds + volatility level vs dp-accounting: largest relative deviation RDP \(worst.rdp), PLD \(worst.pld)")
    }

    /// Whatever an owner's data, |u_i| ≤ h (the sensitivity the proof uses): calm, wild, constant,
    /// undated, too short, disjoint dates.
    func testEveryOwnerRatioIsWithinTheSensitivity() throws {
        let (sp, djia99) = try Self.data()
        let publicByDate = Dictionary(uniqueKeysWithValues: zip(djia99.dates!, djia99.values))
        var rng = SeededRNG(seed: 5)
        let dates = Array(sp.dates!.prefix(800))
        let owners: [ReturnSeries] = [
            Self.prefix(sp, 800),
            ReturnSeries(name: "calm", dates: dates, values: (0..<800).map { _ in 1e-6 * rng.normal() }),
            ReturnSeries(name: "wild", dates: dates, values: (0..<800).map { _ in 0.3 * rng.normal() }),
            ReturnSeries(name: "constant", dates: dates, values: [Double](repeating: 0.001, count: 800)),
            ReturnSeries(name: "undated", values: (0..<800).map { _ in 0.01 * rng.normal() }),
            Self.prefix(sp, 10),
        ]
        let h = NoisedVolatilityLevel.sensitivity
        let u = owners.map { NoisedVolatilityLevel.ownerRatio([$0], publicByDate: publicByDate) }
        for (o, v) in zip(owners, u) { XCTAssertLessThanOrEqual(abs(v), h, o.name) }
        XCTAssertEqual(u[1], -h); XCTAssertEqual(u[2], h)               // clamped at the box
        XCTAssertEqual(u[3], -h)                                        // no spread: clamped
        XCTAssertEqual(u[4], 0); XCTAssertEqual(u[5], 0)                // nothing usable: the centre
    }

    /// The noise on the released mean has std z_v·h/N (the Gaussian mechanism the accountant
    /// composes): 10,000 releases of zeros, within 3 %.
    func testNoiseStandardDeviationIsZTimesHOverN() {
        let n = 8, z = 0.5
        let draws = (0..<10_000).map { NoisedVolatilityLevel.release([Double](repeating: 0, count: n), owners: n,
                                                                      noiseMultiplier: z, seed: UInt64($0)) }
        let sd = (draws.reduce(0) { $0 + $1 * $1 } / Double(draws.count)).squareRoot()
        assertClose(sd, z * NoisedVolatilityLevel.sensitivity / Double(n), rtol: 0.03, "noise std on ū")
    }

    struct BoundRelease: Decodable {
        let clients: Int, days: Int, train_fraction: Double, seed: UInt64, noise_multiplier: Double, bound: Double
        let ratios: [Double], xi: Double, noise_std: Double, unclamped: Double, released: Double, target_variance: Double
    }
    struct BoundReference: Decodable { let public_variance: Double; let releases: [BoundRelease] }

    static func boundReference() throws -> BoundReference {
        try loadJSONFixture("volatility_level_bound_reference.json", as: BoundReference.self)
    }

    /// Session 18, the box h (`volatilityLevelBound`): each client's ratio clamped at ±h, the noise
    /// z_v·h·ξ on the sum (ξ the seed's draw), the mean clamped at ±h, and the target variance
    /// equal NumPy's for h 0.25 (main's release), 0.175, 0.05 (4 of 8 clients clamped) and 0.02
    /// at z_v 8 (the released mean clamped at +h), on the seeds' own draws.
    func testBoundedReleaseEqualsNumPy() throws {
        let ref = try Self.boundReference()
        XCTAssertEqual(ref.releases.count, 7)
        let (sp, djia99) = try Self.data()
        let publicByDate = Dictionary(uniqueKeysWithValues: zip(djia99.dates!, djia99.values))
        for r in ref.releases {
            let label = "\(r.clients) clients, seed \(r.seed), z_v \(r.noise_multiplier), h \(r.bound)"
            let members = [Self.prefix(sp, r.days)]
            let days = try NoisedVolatilityLevel.ownerDays(members, owners: r.clients, partition: .timePeriods,
                                                           trainFraction: r.train_fraction)
            let u = days.map { NoisedVolatilityLevel.ownerRatio($0, publicByDate: publicByDate, bound: r.bound) }
            assertClose(u, r.ratios, rtol: 1e-9, "clamped ratios, \(label)")
            let t = try NoisedVolatilityLevel.targets(members, publicData: [djia99], owners: r.clients,
                                                      partition: .timePeriods, trainFraction: r.train_fraction,
                                                      noiseMultiplier: r.noise_multiplier, seed: r.seed, bound: r.bound)
            XCTAssertEqual(t.logRatio, r.released, accuracy: 1e-12, "released ū, \(label)")
            assertClose(t.variance, r.target_variance, rtol: 1e-9, "target variance, \(label)")
            XCTAssertLessThanOrEqual(abs(t.logRatio), r.bound, label)
        }
        // The clamps bite where NumPy says they do.
        XCTAssertEqual(ref.releases[4].ratios.filter { $0 == 0.05 }.count, 4)
        XCTAssertGreaterThan(ref.releases[5].unclamped, 0.02); XCTAssertEqual(ref.releases[5].released, 0.02)
        // The default is main's box.
        XCTAssertEqual(NoisedVolatilityLevel.sensitivity, 0.25)
        XCTAssertEqual(FederatedTrainingOptions().volatilityLevelBound, 0.25)
    }

    /// The noise on the released mean has std z_v·h/N for another h too (0.175; 10,000 releases, within 3 %).
    func testNoiseStandardDeviationScalesWithTheBound() {
        let n = 8, z = 1.0, h = 0.175
        let draws = (0..<10_000).map { NoisedVolatilityLevel.release([Double](repeating: 0, count: n), owners: n,
                                                                      noiseMultiplier: z, seed: UInt64($0), bound: h) }
        let sd = (draws.reduce(0) { $0 + $1 * $1 } / Double(draws.count)).squareRoot()
        assertClose(sd, z * h / Double(n), rtol: 0.03, "noise std on ū at h 0.175")
    }

    private func run(_ configure: (inout FederatedTrainingOptions) -> Void) throws -> (ScenarioModel, FederatedTrainingReport) {
        let (sp, djia99) = try Self.data()
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        var o = FederatedTrainingOptions()
        o.clientCount = 4; o.rounds = 2; o.localSteps = 1; o.batchSize = 4; o.maxValidationWindows = 4
        o.partition = .timePeriods; o.validationFraction = 0.2
        o.sampling = SamplingConfig(fractionTrain: 1)
        o.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.5, numSampledClients: 4)
        o.publicData = [djia99]
        o.volatilityLevelNoiseMultiplier = 1
        o.volatilityCalibration = VolatilityCalibrationOptions(paths: 16, horizon: 50, iterations: 2)
        configure(&o)
        let report = try FederatedTrainer(model: model, options: o).fit(series: [Self.prefix(sp, 2000)])
        return (model, report)
    }

    /// Through the trainer: the reported ε and the record's are dp-accounting's for 2 rounds +
    /// the level (4 clients, q 1, z 1, z_v 1); the record states the release and what ε covers;
    /// the calibration aims at NumPy's target (at a negligible z_v), not at the public variance;
    /// the same seed gives the same bits with 1 or 2 threads.
    func testTrainerCalibratesToTheReleasedLevelAndReportsTheComposedEpsilon() throws {
        let ref = try Self.reference()
        let (model, report) = try run { $0.threads = 1 }
        let entry = try XCTUnwrap(ref.epsilon.first { $0.clients == 4 && $0.rounds == 2 })
        assertClose(try XCTUnwrap(report.epsilon), entry.epsilon, rtol: 0.01, "ε rounds + level")
        let privacy = report.record.privacy
        assertClose(try XCTUnwrap(privacy.epsilon), entry.epsilon, rtol: 0.01, "the record's ε")
        XCTAssertTrue(privacy.epsilonCovers?.contains("volatility level") ?? false, "\(privacy.epsilonCovers ?? "nil")")
        let release = try XCTUnwrap(privacy.volatilityLevel)
        XCTAssertEqual(release.noiseMultiplier, 1); XCTAssertEqual(release.owners, 4)
        XCTAssertEqual(release.sensitivity, 0.25); XCTAssertEqual(release.samplingRate, 1)
        XCTAssertNil(privacy.summaries)
        XCTAssertLessThan(try XCTUnwrap(report.rounds.last?.epsilon), entry.epsilon)
        XCTAssertTrue(model.history.summary["volatility_calibration"]?.contains("privacy.volatility_level") ?? false)

        let (again, againReport) = try run { $0.threads = 2 }
        XCTAssertEqual(model.parameters(), again.parameters())
        XCTAssertEqual(report.volatilityCalibration, againReport.volatilityCalibration)

        let owners = try XCTUnwrap(ref.owners.first { $0.clients == 4 })
        let (_, exact) = try run { $0.volatilityLevelNoiseMultiplier = 1e-12 }
        assertClose(try XCTUnwrap(exact.volatilityCalibration?.targetVariance), owners.target_variance, rtol: 1e-9,
                    "calibration target = Var(public)·exp(2ū)")
        let (_, plain) = try run { $0.volatilityLevelNoiseMultiplier = nil }
        assertClose(try XCTUnwrap(plain.volatilityCalibration?.targetVariance), owners.public_variance, rtol: 1e-9,
                    "without the release: the public variance")
        XCTAssertNil(plain.record.privacy.volatilityLevel)
        XCTAssertLessThan(try XCTUnwrap(plain.epsilon), entry.epsilon)
    }

    /// Through the trainer with h 0.175: ε is the same as at h 0.25 and dp-accounting's (the
    /// accountant sees z_v only), the record states the bound as the release's sensitivity, and the
    /// calibration aims at NumPy's target for the seed's draw (4 clients, seed 3, z_v 0.5).
    func testTrainerWithANarrowerBoundKeepsEpsilonAndRecordsTheBound() throws {
        let ref = try Self.reference()
        let entry = try XCTUnwrap(ref.epsilon.first { $0.clients == 4 && $0.rounds == 2 })
        let (_, wide) = try run { _ in }
        let (_, narrow) = try run { $0.volatilityLevelBound = 0.175 }
        assertClose(try XCTUnwrap(narrow.epsilon), entry.epsilon, rtol: 0.01, "ε rounds + level at h 0.175")
        XCTAssertEqual(narrow.epsilon, wide.epsilon, "ε does not depend on h")
        XCTAssertEqual(try XCTUnwrap(narrow.record.privacy.volatilityLevel).sensitivity, 0.175)
        XCTAssertEqual(try XCTUnwrap(wide.record.privacy.volatilityLevel).sensitivity, 0.25)

        let golden = try XCTUnwrap(Self.boundReference().releases.first { $0.clients == 4 })
        XCTAssertEqual(golden.bound, 0.175); XCTAssertEqual(golden.seed, 3)
        let (_, seeded) = try run {
            $0.volatilityLevelBound = golden.bound; $0.volatilityLevelNoiseMultiplier = golden.noise_multiplier
            $0.seed = golden.seed
        }
        assertClose(try XCTUnwrap(seeded.volatilityCalibration?.targetVariance), golden.target_variance, rtol: 1e-9,
                    "calibration target = Var(public)·exp(2ū), ū released in the box h 0.175")
    }

    /// The options are checked before any work, each error saying what to change.
    func testLevelReleaseIsRefusedWhereItDoesNotApply() throws {
        func refused(_ needle: String, _ configure: (inout FederatedTrainingOptions) -> Void) {
            XCTAssertThrowsError(try run(configure)) { XCTAssertTrue("\($0)".contains(needle), "\($0)") }
        }
        refused("needs DP rounds") { $0.privacy = nil }
        refused("dated publicData") { $0.publicData = nil }
        refused("dated publicData") { $0.publicData = [ReturnSeries(name: "p", values: [0.01, -0.01, 0.02])] }
        refused("natural or time") { $0.partition = .iid }
        refused("calibrateVolatility") { $0.calibrateVolatility = false }
        refused("positive") { $0.volatilityLevelNoiseMultiplier = 0 }
        for h in [0, -0.1, .nan, .infinity] {
            refused("volatilityLevelBound must be positive and finite") { $0.volatilityLevelBound = h }
        }
        refused("set volatilityLevelNoiseMultiplier too") {
            $0.volatilityLevelNoiseMultiplier = nil; $0.volatilityLevelBound = 0.175
        }
        // Undated member data cannot be put against the public series' dates.
        let (_, djia99) = try Self.data()
        var o = FederatedTrainingOptions()
        o.clientCount = 2; o.rounds = 1; o.localSteps = 1; o.partition = .timePeriods
        o.privacy = DPConfig(noiseMultiplier: 1, numSampledClients: 2); o.publicData = [djia99]
        o.volatilityLevelNoiseMultiplier = 1
        let undated = try MarketData.bundled(.sp500).logReturns().values
        XCTAssertThrowsError(try FederatedTrainer(model: ScenarioModel(config: Self.tiny, seed: 1), options: o)
            .fit(series: [Array(undated.prefix(600))])) { XCTAssertTrue("\($0)".contains("has no dates"), "\($0)") }
    }

    /// A client none of whose days the public series has is an error naming the client and the
    /// fix (session 14), not a silent 0; one with a few common days (< 20) still sends 0.
    func testClientWithoutACommonDateIsNamed() throws {
        let (sp, djia99) = try Self.data()
        let days = Self.prefix(sp, 800)
        // The second half moved 400 years back (leap days stay leap days): client 1 of 2 has no common date.
        let moved = try days.dates!.enumerated().map { i, d in
            i < 400 ? d : try TradingDate(year: d.year - 400, month: d.month, day: d.day)
        }
        let shifted = ReturnSeries(name: "sp", dates: moved, values: days.values)
        XCTAssertThrowsError(try NoisedVolatilityLevel.targets([shifted], publicData: [djia99], owners: 2,
                                                              partition: .timePeriods, trainFraction: 1,
                                                              noiseMultiplier: 1, seed: 1)) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("client 1") && message.contains("no date in common"), message)
            XCTAssertTrue(message.contains("1600-08-04 … 1602-03-13") && message.contains("1999-01-04 … 2018-12-31"), message)
        }
        // Client 1 keeps 10 real days: fewer than minimumDays, so it sends the box's centre.
        let few = ReturnSeries(name: "sp", dates: Array(moved.prefix(790)) + Array(days.dates!.suffix(10)),
                               values: days.values)
        let kept = try NoisedVolatilityLevel.targets([few], publicData: [djia99], owners: 2, partition: .timePeriods,
                                                     trainFraction: 1, noiseMultiplier: 1e-12, seed: 1)
        let firstHalf = NoisedVolatilityLevel.ownerRatio([Self.prefix(sp, 400)],
                                                         publicByDate: Dictionary(uniqueKeysWithValues:
                                                             zip(djia99.dates!, djia99.values)))
        assertClose(kept.logRatio, firstHalf / 2, rtol: 1e-9, "client 1 sends 0")
    }
}
