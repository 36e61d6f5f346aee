import CTGFL
import CTGFLHeader
import Foundation
import TGFLCore

/// Reads little-endian values off the front of a fuzzer input (zeros once it runs out).
struct ByteReader {
    var bytes: ArraySlice<UInt8>
    init(_ data: [UInt8]) { bytes = data[...] }
    var isEmpty: Bool { bytes.isEmpty }
    mutating func u8() -> UInt8 { bytes.popFirst() ?? 0 }
    mutating func u32() -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(u8()) << (8 * UInt32($1)) } }
    mutating func i32() -> Int32 { Int32(bitPattern: u32()) }
    mutating func u64() -> UInt64 { UInt64(u32()) | UInt64(u32()) << 32 }
    mutating func f64() -> Double { Double(bitPattern: u64()) }
    /// A small count in 0 ..< limit.
    mutating func small(_ limit: Int) -> Int { Int(u8()) % max(1, limit) }
    /// An int32 that is often near the interesting edges.
    mutating func edgyInt32() -> Int32 {
        switch u8() % 6 {
        case 0: return [0, 1, -1, Int32.max, Int32.min, 2, 3, 4, 8, 16, 4096, 4097, 65_536, 65_537][small(14)]
        case 1, 2: return Int32(u8() % 40)
        default: return i32()
        }
    }
    mutating func edgyDouble() -> Double {
        switch u8() % 5 {
        case 0: return [0, -0.0, 1, -1, .nan, .infinity, -.infinity, 1e308, .leastNonzeroMagnitude, 0.5, 1e-3][small(11)]
        case 1, 2: return Double(Int8(bitPattern: u8())) / 100
        default: return f64()
        }
    }
}

/// The four harnesses. Each takes one input and must return normally for every input:
/// errors are fine (they are the point), traps and crashes are findings.
enum Harnesses {
    static let names = ["csv", "checkpoint", "scenario-csv", "cabi"]

    /// Runs harness `name` (one of `names`) on `input`.
    static func run(_ name: String, _ input: [UInt8]) {
        switch name {
        case "csv": csv(input)
        case "checkpoint": checkpoint(input)
        case "scenario-csv": scenarioCSV(input)
        default: cabi(input)
        }
    }

    /// A scratch directory for files the harnesses write.
    static let scratch: String = {
        let dir = NSTemporaryDirectory() + "tgfl-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    // MARK: CSV loader (MarketData)

    static func csv(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        for kind in [MarketValueKind.prices, .logReturns] {
            for dateColumn in ["date", nil] as [String?] {
                if let market = try? MarketData(csvText: text, source: "fuzz.csv", dateColumn: dateColumn,
                                                columns: [kind == .prices ? "close" : "ret"], kind: kind,
                                                minimumReturns: 1) {
                    if let series = try? market.logReturns() {
                        _ = try? DataSanity.check(returns: series.values, series: series.name, file: "fuzz.csv")
                    }
                }
            }
        }
    }

    // MARK: Checkpoint loader

    static func checkpoint(_ input: [UInt8]) {
        let path = scratch + "/input.h5"
        guard FileManager.default.createFile(atPath: path, contents: Data(input)) else { return }
        // `ScenarioModel.load` runs `Checkpoint.load` (and its child-process check) once, then
        // builds the model; what loads must survive a round trip. One load per input, not two:
        // the check's fork is most of an input's cost.
        if let model = try? ScenarioModel.load(from: path) {
            _ = model.parameters().count
            try? model.save(to: scratch + "/resaved.h5")
        }
    }

    // MARK: Scenario-CSV reader (tgfl evaluate --synthetic)

    static func scenarioCSV(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        _ = try? PathsCSV(text: text, source: "paths.csv")
        _ = try? PathsCSV(text: text, source: "paths.csv", prices: true)
    }

    // MARK: C ABI entry points

    /// A fitted tiny model shared by the C ABI harness (created once).
    nonisolated(unsafe) static var fittedHandle: OpaquePointer? = nil
    static let tiny = tgfl_model_config(vocab_size: 12, context_length: 8, d_model: 8, n_layers: 1, n_heads: 2,
                                        d_ff: 8, n_regimes: 4, model_version: 1, n_volatility_levels: 16)

    static func prepareFitted() {
        guard fittedHandle == nil else { return }
        var config = tiny
        var handle: OpaquePointer?
        guard cModelCreate(&config, 1, &handle) == 0 else { fatalError("cannot create the fuzz model") }
        var returns = [Double](repeating: 0, count: 300)
        var rng = SeededRNGBox(seed: 3)
        for i in returns.indices { returns[i] = (rng.uniform() - 0.5) * 0.04 }
        var p = cTrainDefaultParams()
        p.steps = 2
        p.batch_size = 4
        p.eval_every = 1
        p.n_threads = 1
        guard cModelTrain(handle, returns, returns.count, &p) == 0 else {
            fatalError("cannot train the fuzz model: \(String(cString: cLastError()))")
        }
        fittedHandle = handle
    }

    /// Interprets the input as a program of C ABI calls on a few handles: fuzzed configs,
    /// parameters, paths, generation/logit/likelihood/evaluation arguments, frees and double
    /// frees. Buffers always have the length the call is told (the one thing a C caller must
    /// get right); everything else is fuzzed. Valid-but-huge work (models over 2M parameters,
    /// more than 4,096 generated values, training over 3 steps) is skipped, not refused.
    static func cabi(_ input: [UInt8]) {
        prepareFitted()
        var r = ByteReader(input)
        var handles: [OpaquePointer?] = [fittedHandle, nil]
        var created: [OpaquePointer] = []
        defer { for h in created { cModelFree(h) } }
        var steps = 0
        while !r.isEmpty && steps < 24 {
            steps += 1
            let h = handles[r.small(handles.count)]
            switch r.u8() % 14 {
            case 0:
                var c = tgfl_model_config(vocab_size: r.edgyInt32(), context_length: r.edgyInt32(),
                                          d_model: r.edgyInt32(), n_layers: r.edgyInt32(), n_heads: r.edgyInt32(),
                                          d_ff: r.edgyInt32(), n_regimes: r.edgyInt32(),
                                          model_version: Int32(r.u8() % 4), n_volatility_levels: r.edgyInt32())
                if let n = parameterCount(c), n > 2_000_000, n < Int(Int32.max), c.n_layers <= 4096,
                   c.n_heads > 0, c.d_model % c.n_heads == 0 { continue }   // valid but huge
                var out: OpaquePointer?
                let nullConfig = r.u8() % 8 == 0, seed = r.u64()
                if orNull(nullConfig, &c, { cModelCreate($0, seed, &out) }) == 0, let out {
                    created.append(out)
                    handles.append(out)
                }
            case 1:
                if let h, h != fittedHandle, let i = created.firstIndex(of: h) {
                    cModelFree(h)
                    created.remove(at: i)          // the handle stays in `handles`: now stale
                } else {
                    cModelFree(h)                  // NULL, stale or double free: must be a no-op
                }
            case 2:
                _ = cModelNParams(h)
                var c = tgfl_model_config()
                _ = orNull(r.u8() % 8 == 0, &c) { cModelGetConfig(h, $0) }
            case 3:
                let n = Int(max(0, min(cModelNParams(h), 2_000_000)))
                let told = r.u8() % 4 == 0 ? r.small(100) : n
                var buffer = [Float](repeating: 0, count: told)
                _ = cModelGetParams(h, &buffer, told)
                for _ in 0..<r.small(4) where told > 0 { buffer[r.small(told)] = Float(r.edgyDouble()) }
                _ = cModelSetParams(h, &buffer, told)
            case 4:
                _ = cModelRegimeName(h, r.edgyInt32())
                let name = String(decoding: (0..<r.small(12)).map { _ in r.u8() | 1 }, as: UTF8.self)
                _ = name.withCString { cModelRegimeIndex(h, $0) }
            case 5:
                var p = cGenerateDefaultParams()
                p.n_paths = r.edgyInt32()
                p.horizon = r.edgyInt32()
                p.regime = r.edgyInt32()
                p.temperature = r.u8() % 2 == 0 ? r.edgyDouble() : 1
                p.seed = r.u64()
                p.n_threads = r.u8() % 4 == 0 ? r.edgyInt32() : 1
                let values = p.n_paths > 0 && p.horizon > 0 ? Int(p.n_paths) * Int(p.horizon) : 0
                if values > 4096 { continue }
                let told = r.u8() % 4 == 0 ? r.small(64) : max(0, values)
                var out = [Double](repeating: 0, count: max(told, 1))
                let path: [Int32] = (0..<max(0, min(Int(p.horizon), 4096))).map { _ in r.edgyInt32() % 6 }
                let prompt: [Double] = (0..<r.small(20)).map { _ in r.edgyDouble() }
                path.withUnsafeBufferPointer { pathBuffer in
                    prompt.withUnsafeBufferPointer { promptBuffer in
                        if r.u8() % 2 == 0, p.horizon > 0 { p.regime_path = pathBuffer.baseAddress }
                        if !promptBuffer.isEmpty { p.prompt = promptBuffer.baseAddress; p.prompt_length = promptBuffer.count }
                        _ = orNull(r.u8() % 16 == 0, &p) { cModelGenerate(h, $0, &out, told) }
                    }
                }
                _ = path.count + prompt.count
            case 6:
                let batch = r.edgyInt32(), length = r.edgyInt32()
                let cells = batch > 0 && length > 0 ? Int(batch) * Int(length) : 0
                if cells > 512 { continue }
                let n = cells
                let tokens = (0..<n).map { _ in r.edgyInt32() % 16 }
                let regimes = (0..<n).map { _ in r.edgyInt32() % 6 }
                let told = r.u8() % 4 == 0 ? r.small(100) : n * 12
                var out = [Float](repeating: 0, count: max(told, 1))
                _ = cModelLogits(h, tokens, regimes, batch, length, &out, told)
            case 7:
                let returns = (0..<r.small(80)).map { _ in r.edgyDouble() }
                var mean = 0.0
                _ = orNull(r.u8() % 8 == 0, &mean) { cModelLogLikelihood(h, returns, returns.count, $0) }
            case 8:
                let real = (0..<r.small(120)).map { _ in r.u8() % 3 == 0 ? r.edgyDouble() : Double(Int8(bitPattern: r.u8())) / 500 }
                let paths = r.edgyInt32(), horizon = r.edgyInt32()
                let cells = paths > 0 && horizon > 0 ? Int(paths) * Int(horizon) : 0
                if cells > 2000 { continue }
                let synthetic = (0..<cells).map { _ in Double(Int8(bitPattern: r.u8())) / 500 }
                var json: UnsafeMutablePointer<CChar>?
                if cEvaluate(real, real.count, synthetic, paths, horizon, r.u64(), &json) == 0 { cStringFree(json) }
            case 9:
                let name = scratch + "/cabi-\(r.small(3)).h5"
                _ = cModelSave(h, name)
                var out: OpaquePointer?
                if cModelLoad(name, &out) == 0, let out { created.append(out); handles.append(out) }
            case 10:
                // Fuzzed path bytes (no NUL: a C string ends there), inside the scratch folder.
                let tail = String(decoding: (0..<r.small(16)).map { _ in r.u8() | 1 }, as: UTF8.self)
                var out: OpaquePointer?
                if cModelLoad(scratch + "/" + tail, &out) == 0, let out { created.append(out); handles.append(out) }
                _ = cModelLoad(nil, nil)
            case 11:
                guard let h, h != fittedHandle else { continue }
                var p = cTrainDefaultParams()
                p.steps = r.edgyInt32()
                p.batch_size = r.edgyInt32()
                p.seq_len = r.edgyInt32()
                p.learning_rate = r.edgyDouble()
                p.val_fraction = r.u8() % 2 == 0 ? r.edgyDouble() : 0.2
                p.eval_every = r.edgyInt32()
                p.n_threads = 1
                if p.steps > 3 || p.batch_size > 16 { continue }
                if let n = cParameterCount(h), n > 200_000 { continue }
                let returns = (0..<(40 + r.small(200))).map { _ in r.u8() % 16 == 0 ? r.edgyDouble() : Double(Int8(bitPattern: r.u8())) / 800 }
                _ = cModelTrain(h, returns, returns.count, &p)
            case 12:
                handles.append(OpaquePointer(bitPattern: UInt(r.u64() | 1)))   // garbage handle
                if handles.count > 12 { handles.removeLast() }
            default:
                _ = cLastError()
                _ = cVersion()
            }
        }
    }

    /// The parameter count of a C config with overflow checks (nil on overflow or a bad field).
    static func parameterCount(_ c: tgfl_model_config) -> Int? {
        let v = [c.vocab_size, c.context_length, c.d_model, c.n_layers, c.n_heads, c.d_ff, c.n_regimes].map(Int.init)
        guard v.allSatisfy({ $0 > 0 }), (1...2).contains(c.model_version) else { return nil }
        let levels = Int(c.n_volatility_levels)
        guard c.model_version == 1 || levels >= 2 else { return nil }
        return ModelConfig.checkedParameterCount(ModelConfig(vocabSize: v[0], contextLength: v[1], dModel: v[2],
                                                             nLayers: v[3], nHeads: v[4], dFF: v[5], nRegimes: v[6],
                                                             modelVersion: Int(c.model_version),
                                                             volatilityLevels: levels))
    }

    static func cParameterCount(_ h: OpaquePointer?) -> Int? {
        let n = cModelNParams(h)
        return n >= 0 ? Int(n) : nil
    }
}

/// Calls `body` with a pointer to `value`, or with NULL when `null` is true.
func orNull<T, R>(_ null: Bool, _ value: inout T, _ body: (UnsafeMutablePointer<T>?) -> R) -> R {
    null ? body(nil) : withUnsafeMutablePointer(to: &value) { body($0) }
}

/// A tiny uniform generator for the harness's own data.
struct SeededRNGBox {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func uniform() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Double(state >> 11) / Double(1 << 53)
    }
}
