import XCTest
import Foundation
import TGFLCore
import TGFLTestSupport
@testable import TGFLFederated
@testable import TGFLFederation

final class PrivacyTests: XCTestCase {
    // MARK: Clipping and noise

    func testClippingScalesToTheNorm() {
        let global: [Float] = [1, 1, 1, 1]
        var local: [Float] = [4, 5, 1, 1]          // delta (3, 4, 0, 0), norm 5
        XCTAssertTrue(DifferentialPrivacy.clip(&local, global: global, norm: 2.5))
        assertClose(local.map(Double.init), [2.5, 3, 1, 1], rtol: 1e-6, "clipped to half")
        var small: [Float] = [1.3, 1, 1, 1]        // norm 0.3 < 1: untouched
        XCTAssertFalse(DifferentialPrivacy.clip(&small, global: global, norm: 1))
        XCTAssertEqual(small, [1.3, 1, 1, 1])
    }

    func testNoiseStdIsZSOverM() throws {
        let dp = try DifferentialPrivacy(DPConfig(noiseMultiplier: 1.2, clippingNorm: 0.5, numSampledClients: 4))
        assertClose(dp.noiseStd, 1.2 * 0.5 / 4, rtol: 1e-12, "z·S/m")
        var v = [Float](repeating: 0, count: 20000)
        var rng = SeededRNG(seed: 7)
        dp.addNoise(&v, rng: &rng)
        let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        let sd = (v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count - 1)).squareRoot()
        // Sample std of 20000 normals: relative SE ≈ 1/sqrt(2n) = 0.5 %; allow 4 SE.
        assertClose(sd, 0.15, rtol: 0.02, "noise std")
        XCTAssertLessThan(abs(mean), 4 * 0.15 / Double(v.count).squareRoot())
    }

    func testAdaptiveClippingMatchesReference() throws {
        struct Step: Decodable { let norms: [Double]; let count_noise: Double; let clipping_norm_before: Double; let clipping_norm_after: Double }
        struct Adaptive: Decodable {
            let initial_clipping_norm: Double; let clip_norm_lr: Double; let target_clipped_quantile: Double
            let num_sampled_clients: Int; let noise_multiplier: Double; let clipped_count_stddev: Double
            let effective_noise_multiplier: Double; let steps: [Step]
        }
        struct Ref: Decodable { let adaptive_clipping: Adaptive }
        let a = try loadJSONFixture("strategy_reference.json", as: Ref.self).adaptive_clipping
        var dp = try DifferentialPrivacy(DPConfig(
            noiseMultiplier: a.noise_multiplier, numSampledClients: a.num_sampled_clients,
            adaptive: AdaptiveClipping(initialClippingNorm: a.initial_clipping_norm,
                                       targetClippedQuantile: a.target_clipped_quantile, clipNormLr: a.clip_norm_lr)))
        assertClose(dp.clippedCountStddev, a.clipped_count_stddev, rtol: 1e-12, "sigma_b = m/20")
        assertClose(dp.effectiveNoiseMultiplier, a.effective_noise_multiplier, rtol: 1e-12, "z_delta")
        for (t, s) in a.steps.enumerated() {
            assertClose(dp.clippingNorm, s.clipping_norm_before, rtol: 1e-12, "C before step \(t)")
            let clipped = s.norms.filter { $0 > dp.clippingNorm }.count
            dp.updateClippingNorm(clippedCount: clipped, total: s.norms.count, countNoise: s.count_noise)
            assertClose(dp.clippingNorm, s.clipping_norm_after, rtol: 1e-12, "C after step \(t)")
        }
    }

    func testAdaptiveClippingTracksTheQuantile() throws {
        // With norms uniform on [0, 1] and γ = 0.3, C should settle near the 0.3-quantile.
        var dp = try DifferentialPrivacy(DPConfig(noiseMultiplier: 0, numSampledClients: 50,
                                                  adaptive: AdaptiveClipping(initialClippingNorm: 0.9, targetClippedQuantile: 0.3)))
        var rng = SeededRNG(seed: 3)
        for _ in 0..<300 {
            let norms = (0..<50).map { _ in rng.uniform() }
            dp.updateClippingNorm(clippedCount: norms.filter { $0 > dp.clippingNorm }.count, total: 50, rng: &rng)
        }
        XCTAssertEqual(dp.clippingNorm, 0.3, accuracy: 0.08)
    }

    func testDPConfigErrors() {
        XCTAssertThrowsError(try DifferentialPrivacy(DPConfig(noiseMultiplier: -1, numSampledClients: 2))) { XCTAssertTrue("\($0)".contains("noise_multiplier")) }
        XCTAssertThrowsError(try DifferentialPrivacy(DPConfig(noiseMultiplier: 1, clippingNorm: 0, numSampledClients: 2))) { XCTAssertTrue("\($0)".contains("clipping_norm")) }
        XCTAssertThrowsError(try DifferentialPrivacy(DPConfig(noiseMultiplier: 1, numSampledClients: 0))) { XCTAssertTrue("\($0)".contains("num_sampled_clients")) }
        // Adaptive: z must be below 2·σ_b (σ_b = m/20 = 0.5 for m = 10).
        XCTAssertThrowsError(try DifferentialPrivacy(DPConfig(noiseMultiplier: 1, numSampledClients: 10, adaptive: AdaptiveClipping()))) {
            XCTAssertTrue("\($0)".contains("clipped_count_stddev"))
        }
        XCTAssertThrowsError(try DifferentialPrivacy(DPConfig(noiseMultiplier: 0, numSampledClients: 10,
                                                              adaptive: AdaptiveClipping(targetClippedQuantile: 1.5)))) {
            XCTAssertTrue("\($0)".contains("target_clipped_quantile"))
        }
    }

    // MARK: Accountant

    func testAccountantMatchesDPAccounting() throws {
        struct Case: Decodable { let q: Double; let sigma: Double; let rounds: Int; let delta: Double; let method: String; let epsilon: Double }
        struct Ref: Decodable { let cases: [Case] }
        let ref = try loadJSONFixture("accountant_reference.json", as: Ref.self)
        XCTAssertEqual(ref.cases.count, 144)
        var curves = [String: [Double]]()
        var checkedQ1 = 0
        for c in ref.cases {
            let method = SamplingMethod(rawValue: c.method)!
            let key = "\(c.q) \(c.sigma) \(c.method)"
            if curves[key] == nil {
                curves[key] = try RDPAccountant.rdp(noiseMultiplier: c.sigma, samplingRate: c.q, method: method)
            }
            var acc = try RDPAccountant()
            try acc.compose(rdp: curves[key]!, count: c.rounds)
            let eps = try acc.epsilon(delta: c.delta).epsilon
            assertClose(eps, c.epsilon, rtol: 0.01, "\(key) rounds \(c.rounds) delta \(c.delta)")
            if c.q == 1 { checkedQ1 += 1 }
        }
        XCTAssertEqual(checkedQ1, 36)
    }

    func testAccountantClosedFormAtQ1() throws {
        // q = 1: RDP(α) = T·α/(2σ²), the plain Gaussian mechanism composed T times.
        let curve = try RDPAccountant.rdp(noiseMultiplier: 2, samplingRate: 1, method: .poisson)
        for (a, r) in zip(RDPAccountant.defaultOrders, curve) { assertClose(r, a / 8, rtol: 1e-12) }
        XCTAssertEqual(try RDPAccountant.epsilon(noiseMultiplier: 1, samplingRate: 0, rounds: 10, delta: 1e-5), 0)
        XCTAssertEqual(try RDPAccountant.epsilon(noiseMultiplier: 0, samplingRate: 0.5, rounds: 1, delta: 1e-5), .infinity)
        XCTAssertThrowsError(try RDPAccountant.epsilon(noiseMultiplier: 1, samplingRate: 1.5, rounds: 1, delta: 1e-5)) {
            XCTAssertTrue("\($0)".contains("sampling rate"))
        }
        XCTAssertThrowsError(try RDPAccountant.epsilon(noiseMultiplier: 1, samplingRate: 0.5, rounds: 1, delta: 2)) {
            XCTAssertTrue("\($0)".contains("delta"))
        }
    }

    // MARK: Secure aggregation

    func testMasksCancelInTheSum() throws {
        let d = 1000
        var rng = SeededRNG(seed: 11)
        let ids = [0, 2, 3, 5, 8]
        let vectors = ids.map { _ in (0..<d).map { _ in Float(rng.normal(mean: 0, std: 3)) } }
        let weights = [10, 20, 5, 40, 25]
        let sa = SecureAggregator(seed: 99, round: 4, participants: ids)
        var masked = [Int: [UInt64]](), w = [Int: Int]()
        for (k, c) in ids.enumerated() {
            masked[c] = try sa.mask(clientID: c, parameters: vectors[k], weight: weights[k])
            w[c] = weights[k]
            // What the server sees is not the plain vector.
            let plain = vectors[k].map { UInt64(bitPattern: Int64((Double($0) * Double(weights[k]) * 4294967296).rounded())) }
            XCTAssertNotEqual(masked[c]!, plain)
        }
        let (mean, dropped) = try sa.unmask(masked, weights: w, recoverDropouts: false)
        XCTAssertEqual(dropped, [])
        let total = Double(weights.reduce(0, +))
        let expected = (0..<d).map { j in ids.indices.reduce(0.0) { $0 + Double(weights[$1]) * Double(vectors[$1][j]) } / total }
        assertClose(mean.map(Double.init), expected, rtol: 1e-6, atol: 1e-7, "secure mean")
    }

    func testDropoutAfterMaskingIsRecoveredOrReported() throws {
        let ids = [0, 1, 2, 3]
        let vectors: [[Float]] = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3]]
        let sa = SecureAggregator(seed: 5, round: 1, participants: ids)
        var masked = [Int: [UInt64]](), w = [Int: Int]()
        for c in ids { masked[c] = try sa.mask(clientID: c, parameters: vectors[c], weight: 1); w[c] = 1 }
        masked[2] = nil; w[2] = nil                       // client 2 masked, then vanished
        XCTAssertThrowsError(try sa.unmask(masked, weights: w, recoverDropouts: false)) { e in
            XCTAssertTrue("\(e)".contains("[2]") && "\(e)".contains("dropped"))
        }
        let (mean, dropped) = try sa.unmask(masked, weights: w, recoverDropouts: true)
        XCTAssertEqual(dropped, [2])
        assertClose(mean.map(Double.init), [4.0 / 3, 5.0 / 3, 2], rtol: 1e-7, "mean of survivors 0, 1, 3")
    }

    func testMaskRejectsNonFinite() {
        let sa = SecureAggregator(seed: 1, round: 1, participants: [0, 1])
        XCTAssertThrowsError(try sa.mask(clientID: 0, parameters: [1, .nan], weight: 1)) { XCTAssertTrue("\($0)".contains("element 1")) }
        XCTAssertThrowsError(try sa.mask(clientID: 7, parameters: [1], weight: 1)) { XCTAssertTrue("\($0)".contains("client 7")) }
    }
}
