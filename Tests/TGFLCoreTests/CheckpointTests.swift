import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest

/// Checkpoint against `Tests/Fixtures/h5py_checkpoint.h5` (written by h5py with the closed
/// formulas of `Tests/Fixtures/make_h5py_checkpoint.py`), round trips, atomic saving, and
/// every rejected input.
final class CheckpointTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-checkpoint-tests" }

    /// The h5py fixture's config (`CheckpointFixtures.h5pyConfig`).
    private let tiny = CheckpointFixtures.h5pyConfig

    /// The fixture script's formula: element k of the i-th tensor is ((k + 13 i) mod 97)/97 - 0.5.
    private func formulaWeight(tensor i: Int, element k: Int) -> Double {
        Double((k + 13 * i) % 97) / 97 - 0.5
    }

    /// Formula values for every tensor of `config`, flat, computed in Double.
    private func formulaParameters(_ config: ModelConfig) -> [Double] {
        ParameterLayout(config: config).specs.enumerated().flatMap { i, spec in
            (0..<spec.count).map { formulaWeight(tensor: i, element: $0) }
        }
    }

    /// A checkpoint of `config` with seeded values in every field.
    private func sampleCheckpoint(_ config: ModelConfig, full: Bool, seed: UInt64 = 7) throws -> Checkpoint {
        var rng = SeededRNG(seed: seed)
        let count = ParameterLayout(config: config).count
        let parameters = (0..<count).map { _ in Float(rng.normal()) }
        guard full else { return try Checkpoint(config: config, parameters: parameters) }
        let optimizer = OptimizerState(step: 123, m: (0..<count).map { _ in Float(rng.normal() / 10) },
                                       v: (0..<count).map { _ in Float(rng.uniform() / 100) })
        let tokenizer = CheckpointSection(
            attributes: ["kind": .string("uniform"), "n_bins": .int(11), "scale": .double(0.0123)],
            datasets: ["edges": [-.infinity, -1, 0, 1, .infinity], "empty": []])
        let regimes = CheckpointSection(attributes: ["names": .string("calm,crisis"), "window": .int(20)],
                                        datasets: ["thresholds": [0.25]])
        var checkpoint = try Checkpoint(config: config, parameters: parameters, optimizer: optimizer,
                                        tokenizer: tokenizer, regimes: regimes,
                                        history: #"[{"round":1,"loss":2.5}]"#, libraryVersion: "9.9.9-test")
        checkpoint.records["federation"] = #"{"strategy":"FedAvg","rounds":1,"clients":3}"#
        checkpoint.extensions["run_state"] = CheckpointSection(attributes: ["format": .string("x"), "n": .int(3)],
                                                               datasets: ["w": [1, 2.5, -3]])
        return checkpoint
    }

    // MARK: A checkpoint written by h5py

    func testLoadsH5pyCheckpoint() throws {
        let checkpoint = try Checkpoint.load(from: fixtureURL("h5py_checkpoint.h5").path)
        XCTAssertEqual(checkpoint.config, tiny)
        XCTAssertEqual(checkpoint.libraryVersion, "h5py-fixture")
        let expected = formulaParameters(tiny)
        // float32 storage (and float64 for tok_emb.weight) both round to the nearest Float.
        XCTAssertEqual(checkpoint.parameters, expected.map { Float($0) })

        let optimizer = try XCTUnwrap(checkpoint.optimizer)
        XCTAssertEqual(optimizer.step, 42)  // stored by h5py as float64 42.0
        XCTAssertEqual(optimizer.m, expected.map { Float($0 / 10) })
        XCTAssertEqual(optimizer.v, expected.map { Float(abs($0) / 100) })

        let tokenizer = try XCTUnwrap(checkpoint.tokenizer)
        XCTAssertEqual(tokenizer.attributes,
                       ["kind": .string("uniform"), "n_bins": .int(11), "scale": .double(0.0123)])
        // np.linspace(-5, 5, 12)
        assertClose(try XCTUnwrap(tokenizer.datasets["edges"]), (0..<12).map { -5 + 10 * Double($0) / 11 },
                    rtol: 1e-15, atol: 1e-15, "tokenizer edges")
        let regimes = try XCTUnwrap(checkpoint.regimes)
        XCTAssertEqual(regimes.attributes, ["method": .string("trailing_vol"), "window": .int(20)])
        XCTAssertEqual(regimes.datasets, ["thresholds": [0.25]])

        struct Round: Decodable { let round: Int; let loss: Double }
        let history = try JSONDecoder().decode([Round].self, from: Data(try XCTUnwrap(checkpoint.history).utf8))
        XCTAssertEqual(history.map(\.round), [1, 2])
        XCTAssertEqual(history.map(\.loss), [2.5, 2.25])
        struct Federation: Decodable { let strategy: String; let rounds: Int; let clients: Int }
        let federation = try JSONDecoder().decode(Federation.self,
                                                  from: Data(try XCTUnwrap(checkpoint.records["federation"]).utf8))
        XCTAssertEqual(federation.strategy, "FedAvg")
        XCTAssertEqual(federation.clients, 3)
    }

    // MARK: Round trips

    func testRoundTripEveryField() throws {
        let original = try sampleCheckpoint(tiny, full: true)
        let path = temporaryPath("full.h5")
        try original.save(to: path)
        let loaded = try Checkpoint.load(from: path)
        XCTAssertEqual(loaded, original)
        XCTAssertEqual(loaded.libraryVersion, "9.9.9-test")
        XCTAssertEqual(loaded.tokenizer?.datasets["edges"]?.first, -.infinity)
    }

    func testRoundTripWithoutOptionalParts() throws {
        let config = ModelConfig(vocabSize: 13, contextLength: 5, dModel: 4, nLayers: 2, nHeads: 2, dFF: 6,
                                 nRegimes: 3)
        let original = try sampleCheckpoint(config, full: false)
        let path = temporaryPath("bare.h5")
        try original.save(to: path)
        let loaded = try Checkpoint.load(from: path)
        XCTAssertEqual(loaded, original)
        XCTAssertNil(loaded.optimizer)
        XCTAssertNil(loaded.tokenizer)
        XCTAssertNil(loaded.regimes)
        XCTAssertNil(loaded.history)
        XCTAssertEqual(loaded.records, [:])
        XCTAssertEqual(loaded.extensions, [:])
        XCTAssertEqual(loaded.libraryVersion, TGFLVersion.string)
    }

    /// The file TGFL writes has the documented layout, checked through the low-level reader.
    func testSavedLayout() throws {
        let checkpoint = try sampleCheckpoint(tiny, full: true)
        let path = temporaryPath("layout.h5")
        try checkpoint.save(to: path)
        let file = try HDF5File.open(path)
        defer { file.close() }
        XCTAssertEqual(try file.stringAttribute("format"), "tgfl.checkpoint")
        XCTAssertEqual(try file.intAttribute("format_version"), 1)
        XCTAssertEqual(try file.attributeKind("format_version"), .integer)
        XCTAssertEqual(try file.stringAttribute("model_config"),
                       #"{"context_length":7,"d_ff":12,"d_model":8,"n_heads":2,"n_layers":1,"n_regimes":2,"vocab_size":11}"#)
        XCTAssertEqual(try file.children(of: "/"), ["optimizer", "regimes", "run_state", "tokenizer", "training", "weights"])
        // An upper layer's record sits beside the history; its section is a top-level group.
        XCTAssertEqual(try file.attributeNames(of: "/training").sorted(), ["federation", "history"])
        XCTAssertEqual(try file.intAttribute("n", of: "/run_state"), 3)
        XCTAssertEqual(try file.readFloat64("/run_state/w").values, [1, 2.5, -3])
        XCTAssertEqual(try file.children(of: "/weights").count, 19)
        XCTAssertEqual(try file.shape(of: "/weights/blocks.0.attn.qkv.weight"), [24, 8])
        XCTAssertEqual(try file.shape(of: "/optimizer/v/head.bias"), [11])
        XCTAssertEqual(try file.intAttribute("step", of: "/optimizer"), 123)
        XCTAssertEqual(try file.children(of: "/optimizer"), ["m", "v"])
    }

    // MARK: Atomic saving

    func testFailedSaveLeavesPreviousCheckpoint() throws {
        let path = temporaryPath("model.h5")
        let first = try sampleCheckpoint(tiny, full: true, seed: 1)
        try first.save(to: path)

        // NaN in the last tensor: the save fails after most of the file was written.
        var broken = try sampleCheckpoint(tiny, full: true, seed: 2)
        broken.parameters[broken.parameters.count - 1] = .nan
        assertThrows(containing: ["head.bias", "non-finite", "element 10", path]) { try broken.save(to: path) }
        // The same for an optimizer moment.
        var brokenMoment = try sampleCheckpoint(tiny, full: true, seed: 3)
        brokenMoment.optimizer?.v[0] = .infinity
        assertThrows(containing: ["moment v", "tok_emb.weight", "non-finite"]) { try brokenMoment.save(to: path) }

        XCTAssertEqual(try Checkpoint.load(from: path), first)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(leftovers, ["model.h5"], "temporary files must be removed")

        // A successful save replaces it.
        let second = try sampleCheckpoint(tiny, full: false, seed: 4)
        try second.save(to: path)
        XCTAssertEqual(try Checkpoint.load(from: path), second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.h5"])
    }

    /// A save into a directory that became read-only fails and keeps the old file.
    /// Skipped when running as root, for whom permissions do not block writes.
    func testSaveIntoReadOnlyDirectoryKeepsPreviousCheckpoint() throws {
        let path = temporaryPath("model.h5")
        let first = try sampleCheckpoint(tiny, full: false, seed: 1)
        try first.save(to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path) }
        try XCTSkipIf(FileManager.default.isWritableFile(atPath: directory.path),
                      "permissions do not apply (running as root)")
        let second = try sampleCheckpoint(tiny, full: true, seed: 2)
        assertThrows(containing: ["model.h5", "cannot create", "writable"]) { try second.save(to: path) }
        XCTAssertEqual(try Checkpoint.load(from: path), first)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.h5"])
    }

    func testSaveRejectsBadInput() throws {
        let good = try sampleCheckpoint(tiny, full: true)
        assertThrows(containing: ["does not exist"]) { try good.save(to: temporaryPath("no/such/dir/model.h5")) }
        assertThrows(containing: ["is a directory"]) { try good.save(to: directory.path) }
        var short = good
        short.parameters.removeLast()
        assertThrows(containing: ["parameters has 806 values", "needs 807"]) { try short.save(to: temporaryPath("a.h5")) }
        var badHistory = good
        badHistory.history = "{not json"
        assertThrows(containing: ["history", "not valid JSON"]) { try badHistory.save(to: temporaryPath("a.h5")) }
        var badName = good
        badName.tokenizer?.datasets["a/b"] = [1]
        assertThrows(containing: ["/tokenizer", "a/b", "invalid"]) { try badName.save(to: temporaryPath("a.h5")) }
        var badRecord = good
        badRecord.records["federation"] = "{oops"
        assertThrows(containing: ["federation", "not valid JSON"]) { try badRecord.save(to: temporaryPath("a.h5")) }
        for reserved in ["weights", "history", "a/b", ""] {
            var clash = good
            clash.extensions[reserved] = CheckpointSection()
            assertThrows(containing: ["name \"\(reserved)\" is invalid"]) { try clash.save(to: temporaryPath("a.h5")) }
        }
        var badConfig = good
        badConfig.config.nHeads = 3
        assertThrows(containing: ["divisible by n_heads"]) { try badConfig.save(to: temporaryPath("a.h5")) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testInitChecksCounts() throws {
        // By hand: embeddings 11*8 + 7*8 + 2*8 = 160; one block 2*8 + (24*8+24) + (8*8+8) + 2*8
        // + (12*8+12) + (8*12+8) = 532; ln_f 16; head 11*8 + 11 = 99. Total 807.
        let count = 807
        assertThrows(containing: ["parameters has 3 values", "needs 807"]) {
            try Checkpoint(config: tiny, parameters: [1, 2, 3])
        }
        assertThrows(containing: ["optimizer.v has 1 values"]) {
            try Checkpoint(config: tiny, parameters: .init(repeating: 0, count: count),
                           optimizer: OptimizerState(step: 0, m: .init(repeating: 0, count: count), v: [0]))
        }
        assertThrows(containing: ["step is -1"]) {
            try Checkpoint(config: tiny, parameters: .init(repeating: 0, count: count),
                           optimizer: OptimizerState(step: -1, m: .init(repeating: 0, count: count),
                                                     v: .init(repeating: 0, count: count)))
        }
    }

    // MARK: Rejected files

    func testLoadRejectsMissingEmptyTruncatedAndForeignFiles() throws {
        assertThrows(containing: ["missing.h5", "no such file"]) { try Checkpoint.load(from: temporaryPath("missing.h5")) }
        let empty = temporaryPath("empty.h5")
        try Data().write(to: URL(fileURLWithPath: empty))
        assertThrows(containing: ["empty.h5", "empty (0 bytes)"]) { try Checkpoint.load(from: empty) }
        let foreign = temporaryPath("foreign.h5")
        try Data("date,close\n2020-01-02,3257.85\n".utf8).write(to: URL(fileURLWithPath: foreign))
        assertThrows(containing: ["foreign.h5", "not an HDF5 file"]) { try Checkpoint.load(from: foreign) }
        let bytes = try Data(contentsOf: fixtureURL("h5py_checkpoint.h5"))
        for (index, keep) in [bytes.count / 2, bytes.count - 1, 100, 8].enumerated() {
            let truncated = temporaryPath("truncated-\(index).h5")
            try bytes.prefix(keep).write(to: URL(fileURLWithPath: truncated))
            assertThrows(containing: ["truncated-\(index).h5", "truncated"]) { try Checkpoint.load(from: truncated) }
        }
    }

    /// Writes a checkpoint-shaped file by hand, tensors from the fixture formula, with the
    /// given changes; the result is loaded by the test.
    private func writeManualCheckpoint(
        _ name: String, format: String? = "tgfl.checkpoint", formatVersion: Int? = 1,
        configJSON: String? = nil, tensorConfig: ModelConfig? = nil,
        edit: (HDF5File) throws -> Void = { _ in }
    ) throws -> String {
        let path = temporaryPath(name)
        let file = try HDF5File.create(path)
        defer { file.close() }
        if let format { try file.setAttribute("format", string: format) }
        if let formatVersion { try file.setAttribute("format_version", int: formatVersion) }
        if let json = configJSON ?? Optional(tiny.jsonString()) { try file.setAttribute("model_config", string: json) }
        let layout = ParameterLayout(config: tensorConfig ?? tiny)
        for (i, spec) in layout.specs.enumerated() {
            let values = (0..<spec.count).map { Float(formulaWeight(tensor: i, element: $0)) }
            try file.write("/weights/" + spec.name, float32: values, shape: spec.shape)
        }
        try edit(file)
        return path
    }

    func testLoadRejectsBadHeader() throws {
        let noFormat = try writeManualCheckpoint("no-format.h5", format: nil)
        assertThrows(containing: ["'format' is missing", "not a TGFL checkpoint"]) { try Checkpoint.load(from: noFormat) }
        let keras = try writeManualCheckpoint("keras.h5", format: "keras")
        assertThrows(containing: ["\"keras\"", "expected \"tgfl.checkpoint\""]) { try Checkpoint.load(from: keras) }
        let noVersion = try writeManualCheckpoint("no-version.h5", formatVersion: nil)
        assertThrows(containing: ["'format_version' is missing"]) { try Checkpoint.load(from: noVersion) }
        let future = try writeManualCheckpoint("future.h5", formatVersion: 4)
        assertThrows(containing: ["format_version 4 is not supported", "reads format_version 1...3"]) {
            try Checkpoint.load(from: future)
        }
        // format_version 3 is the joint (multi-asset) format: it needs its /joint section.
        let jointWithoutSection = try writeManualCheckpoint("joint-without-section.h5", formatVersion: 3)
        assertThrows(containing: ["format_version 3", "'/joint' section is missing"]) { try Checkpoint.load(from: jointWithoutSection) }
        let noConfig = try writeManualCheckpoint("no-config.h5") { file in
            // Replace the config by a non-string to check the type error, then test absence separately.
            try file.setAttribute("model_config", int: 5)
        }
        assertThrows(containing: ["model_config", "not a string"]) { try Checkpoint.load(from: noConfig) }
        let partialConfig = try writeManualCheckpoint("partial-config.h5", configJSON: #"{"vocab_size": 11}"#)
        assertThrows(containing: ["model_config", "is invalid", "context_length"]) { try Checkpoint.load(from: partialConfig) }
        let notJSON = try writeManualCheckpoint("not-json.h5", configJSON: "n_layers=1")
        assertThrows(containing: ["model_config", "is invalid"]) { try Checkpoint.load(from: notJSON) }
        let badHeads = try writeManualCheckpoint(
            "bad-heads.h5",
            configJSON: #"{"vocab_size":11,"context_length":7,"d_model":8,"n_layers":1,"n_heads":3,"d_ff":12,"n_regimes":2}"#)
        assertThrows(containing: ["model_config", "divisible by n_heads"]) { try Checkpoint.load(from: badHeads) }
        // Absent config: a file with only format attributes.
        let path = temporaryPath("absent-config.h5")
        do {
            let file = try HDF5File.create(path)
            try file.setAttribute("format", string: "tgfl.checkpoint")
            try file.setAttribute("format_version", int: 1)
            file.close()
        }
        assertThrows(containing: ["'model_config'", "is missing"]) { try Checkpoint.load(from: path) }
    }

    func testLoadRejectsTensorProblems() throws {
        let manual = try writeManualCheckpoint("ok.h5")
        XCTAssertEqual(try Checkpoint.load(from: manual).parameters, formulaParameters(tiny).map { Float($0) })

        // Tensors for 1 layer under a config that says 2: blocks.1.* are missing.
        var twoLayers = tiny
        twoLayers.nLayers = 2
        let lacking = try writeManualCheckpoint("lacking.h5", configJSON: twoLayers.jsonString())
        assertThrows(containing: ["'blocks.1.ln1.weight' is missing", "[8]", "n_layers=2"]) {
            try Checkpoint.load(from: lacking)
        }

        var wide = tiny
        wide.contextLength = 8
        let wrongShape = try writeManualCheckpoint("wrong-shape.h5", configJSON: wide.jsonString(),
                                                   tensorConfig: tiny)
        assertThrows(containing: ["'pos_emb.weight'", "has shape [7, 8]", "needs [8, 8]"]) {
            try Checkpoint.load(from: wrongShape)
        }

        // Config says 2 layers, tensors have 4: blocks.2.* and blocks.3.* are extra.
        var fourLayers = tiny
        fourLayers.nLayers = 4
        let extra = try writeManualCheckpoint("extra.h5", configJSON: twoLayers.jsonString(),
                                              tensorConfig: fourLayers)
        assertThrows(containing: ["'blocks.2.attn.proj.bias'", "23 more", "not part of the model", "n_layers=2"]) {
            try Checkpoint.load(from: extra)
        }
        let stray = try writeManualCheckpoint("stray.h5") { file in
            try file.write("/weights/blocks.3.ln1.weight", float32: .init(repeating: 0, count: 8), shape: [8])
        }
        assertThrows(containing: ["'blocks.3.ln1.weight'", "not part of the model"]) { try Checkpoint.load(from: stray) }

        let nanPath = temporaryPath("nan-weight.h5")
        do {
            let file = try HDF5File.create(nanPath)
            try file.setAttribute("format", string: "tgfl.checkpoint")
            try file.setAttribute("format_version", int: 1)
            try file.setAttribute("model_config", string: tiny.jsonString())
            for spec in ParameterLayout(config: tiny).specs {
                var values = [Float](repeating: 0.5, count: spec.count)
                if spec.name == "blocks.0.mlp.fc.bias" { values[3] = .nan }
                try file.write("/weights/" + spec.name, float32: values, shape: spec.shape)
            }
            file.close()
        }
        assertThrows(containing: ["'blocks.0.mlp.fc.bias'", "non-finite", "element 3"]) { try Checkpoint.load(from: nanPath) }

        let noWeights = temporaryPath("no-weights.h5")
        do {
            let file = try HDF5File.create(noWeights)
            try file.setAttribute("format", string: "tgfl.checkpoint")
            try file.setAttribute("format_version", int: 1)
            try file.setAttribute("model_config", string: tiny.jsonString())
            file.close()
        }
        assertThrows(containing: ["'/weights' is missing"]) { try Checkpoint.load(from: noWeights) }
    }

    func testLoadRejectsStringTensorAndBadOptimizer() throws {
        // Every tensor float32 except ln_f.bias, stored as int32 (h5py users may store ints).
        let intTensor = temporaryPath("int-tensor.h5")
        do {
            let file = try HDF5File.create(intTensor)
            try file.setAttribute("format", string: "tgfl.checkpoint")
            try file.setAttribute("format_version", int: 1)
            try file.setAttribute("model_config", string: tiny.jsonString())
            for spec in ParameterLayout(config: tiny).specs {
                if spec.name == "ln_f.bias" {
                    try file.write("/weights/ln_f.bias", int32: .init(repeating: 1, count: 8), shape: [8])
                } else {
                    try file.write("/weights/" + spec.name, float32: .init(repeating: 0, count: spec.count),
                                   shape: spec.shape)
                }
            }
            file.close()
        }
        // The integer tensor converts; ln_f.bias sits just before head.weight [11,8] and head.bias [11].
        XCTAssertEqual(try Checkpoint.load(from: intTensor).parameters.suffix(8 + 88 + 11).prefix(8),
                       ArraySlice(repeating: 1, count: 8))

        let noStep = try writeManualCheckpoint("no-step.h5") { file in
            try file.createGroup("/optimizer")
        }
        assertThrows(containing: ["/optimizer", "no attribute 'step'"]) { try Checkpoint.load(from: noStep) }

        let badMoment = try writeManualCheckpoint("bad-moment.h5") { file in
            try file.createGroup("/optimizer")
            try file.setAttribute("step", int: 5, of: "/optimizer")
            for spec in ParameterLayout(config: self.tiny).specs {
                try file.write("/optimizer/m/" + spec.name, float32: .init(repeating: 0, count: spec.count),
                               shape: spec.shape)
                let shape = spec.name == "head.weight" ? [8, 11] : spec.shape
                try file.write("/optimizer/v/" + spec.name, float32: .init(repeating: 0, count: spec.count),
                               shape: shape)
            }
        }
        assertThrows(containing: ["'head.weight'", "/optimizer/v", "has shape [8, 11]", "needs [11, 8]"]) {
            try Checkpoint.load(from: badMoment)
        }

        let fractionalStep = try writeManualCheckpoint("fractional-step.h5") { file in
            try file.createGroup("/optimizer")
            try file.setAttribute("step", double: 2.5, of: "/optimizer")
        }
        assertThrows(containing: ["step", "not a whole number"]) { try Checkpoint.load(from: fractionalStep) }

        let badSection = try writeManualCheckpoint("bad-section.h5") { file in
            try file.write("/tokenizer/table", float64: [1, 2, 3, 4], shape: [2, 2])
        }
        assertThrows(containing: ["/tokenizer/table", "shape [2, 2]", "1-D"]) { try Checkpoint.load(from: badSection) }
    }

    /// Failed loads must not leak HDF5 handles.
    func testFailedLoadsDoNotLeakHandles() throws {
        let foreign = temporaryPath("foreign.h5")
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: foreign))
        var twoLayers = tiny
        twoLayers.nLayers = 2
        let lacking = try writeManualCheckpoint("lacking.h5", configJSON: twoLayers.jsonString())
        let good = temporaryPath("good.h5")
        try sampleCheckpoint(tiny, full: true).save(to: good)
        let baseline = HDF5File.openObjectCount
        for _ in 0..<20 {
            XCTAssertThrowsError(try Checkpoint.load(from: foreign))
            XCTAssertThrowsError(try Checkpoint.load(from: lacking))
            _ = try Checkpoint.load(from: good)
        }
        XCTAssertEqual(HDF5File.openObjectCount, baseline)
    }
}
