import Foundation

extension Checkpoint {
    /// Loads and fully checks a checkpoint written by TGFL or by h5py in the same layout.
    ///
    /// Checks, in order: the file opens as HDF5; `format == "tgfl.checkpoint"`;
    /// `format_version` in 1...2 (2 for a v2 model); `model_config` parses and validates; every tensor of
    /// `ParameterLayout(config:)` is under `/weights` with exactly its shape and finite values;
    /// no other tensor is under `/weights`; the optional `/optimizer` (`step`, `m/<name>`,
    /// `v/<name>`) passes the same tensor checks; `/tokenizer` and `/regimes` hold only scalar
    /// attributes and 1-D numeric datasets. Stored numeric types are converted (float64 weights
    /// and a float64 `step` with a whole value are accepted).
    ///
    /// - Parameter path: the `.h5` file.
    /// - Returns: the checkpoint.
    /// - Throws: `TGFLError.checkpoint(path:message:)` naming the file and the offending
    ///   attribute or tensor (expected vs found shape), and saying how to fix it.
    public static func load(from path: String) throws -> Checkpoint {
        let file = try HDF5File.open(path)
        defer { file.close() }
        func fail(_ message: String) -> TGFLError { .checkpoint(path: path, message: message) }
        let (config, version) = try readHeader(file)
        let libraryVersion = try file.stringAttribute("library_version") ?? "unknown"

        let layout = ParameterLayout(config: config)
        let parameters = try readTensors(file, group: Group.weights, layout: layout, config: config)

        let optimizer = try readOptimizer(file, layout: layout, config: config)

        let tokenizer = try readSection(file, group: Group.tokenizer)
        let regimes = try readSection(file, group: Group.regimes)
        var history: String?
        var records = [String: String]()
        if file.exists(Group.training) {
            history = try file.stringAttribute("history", of: Group.training)
            for name in try file.attributeNames(of: Group.training) where name != "history" {
                guard try file.attributeKind(name, of: Group.training) == .string else {
                    throw fail("'\(Group.training)' attribute '\(name)' is not a string; records there are JSON text")
                }
                records[name] = try file.stringAttribute(name, of: Group.training)
            }
        }
        var checkpoint = try Checkpoint(config: config, parameters: parameters, optimizer: optimizer,
                                        tokenizer: tokenizer, regimes: regimes, history: history,
                                        libraryVersion: libraryVersion)
        checkpoint.records = records
        checkpoint.volatility = try readSection(file, group: Group.volatility)
        if config.modelVersion >= 2, checkpoint.tokenizer != nil, checkpoint.volatility == nil {
            throw fail("a v2 model (model_version 2) with a tokenizer needs the '\(Group.volatility)' section; "
                + "the file is incomplete, so re-save it from the trained model")
        }
        checkpoint.joint = try readSection(file, group: Group.joint)
        if (checkpoint.joint != nil) != (version == 3) {
            throw fail(checkpoint.joint != nil
                ? "the file has a '\(Group.joint)' section (a joint model of several assets) but format_version \(version); joint models are format_version 3"
                : "format_version 3 is the format of joint models, but the '\(Group.joint)' section is missing; the file is incomplete")
        }
        // Every other top-level group is an upper layer's section (e.g. /federation_state).
        for name in try file.children(of: "/") where !reservedNames.contains(name) {
            checkpoint.extensions[name] = try readSection(file, group: "/" + name)
        }
        return checkpoint
    }

    /// Checks `format` and `format_version` and parses `model_config`.
    private static func readHeader(_ file: HDF5File) throws -> (config: ModelConfig, formatVersion: Int) {
        func fail(_ message: String) -> TGFLError { .checkpoint(path: file.path, message: message) }
        guard let format = try file.stringAttribute("format") else {
            throw fail("the root attribute 'format' is missing, so this is not a TGFL checkpoint "
                + "(expected format = \"\(formatName)\"); save it with Checkpoint.save(to:)")
        }
        guard format == formatName else {
            throw fail("the root attribute 'format' is \"\(format)\", expected \"\(formatName)\"; "
                + "this file is not a TGFL checkpoint")
        }
        guard let version = try file.intAttribute("format_version") else {
            throw fail("the root attribute 'format_version' is missing; TGFL \(TGFLVersion.string) "
                + "reads format_version \(formatVersion); add the attribute or re-save the checkpoint")
        }
        guard (1...formatVersion).contains(version) else {
            throw fail("format_version \(version) is not supported: TGFL \(TGFLVersion.string) reads "
                + "format_version 1...\(formatVersion); load it with the TGFL version that wrote it")
        }
        guard let configJSON = try file.stringAttribute("model_config") else {
            throw fail("the root attribute 'model_config' (JSON with vocab_size, context_length, d_model, "
                + "n_layers, n_heads, d_ff, n_regimes) is missing; add it")
        }
        let config: ModelConfig
        do {
            config = try ModelConfig.fromJSON(configJSON)
        } catch let error as TGFLError {
            throw fail("the root attribute 'model_config' is invalid (\(error.description)); fix the JSON")
        }
        guard formatVersion(for: config) <= version else {
            throw fail("model_config has model_version \(config.modelVersion) but format_version is \(version); "
                + "a v2 model needs format_version 2 (re-save it with this library)")
        }
        return (config, version)
    }

    /// The optional `/optimizer` group: `step`, and `m`/`v` under the tensor checks.
    private static func readOptimizer(_ file: HDF5File, layout: ParameterLayout,
                                      config: ModelConfig) throws -> OptimizerState? {
        func fail(_ message: String) -> TGFLError { .checkpoint(path: file.path, message: message) }
        guard file.exists(Group.optimizer) else { return nil }
        do {
            guard let step = try file.intAttribute("step", of: Group.optimizer) else {
                throw fail("'\(Group.optimizer)' has no attribute 'step'; add the AdamW step count or "
                    + "remove the optimizer group")
            }
            guard step >= 0 else {
                throw fail("'\(Group.optimizer)' attribute 'step' is \(step); it must be >= 0")
            }
            let m = try readTensors(file, group: Group.optimizer + "/m", layout: layout, config: config)
            let v = try readTensors(file, group: Group.optimizer + "/v", layout: layout, config: config)
            return OptimizerState(step: step, m: m, v: v)
        }

    }

    /// Reads the tensors of `layout` from `group` into one flat buffer, checking presence,
    /// exact shapes, finiteness, and that `group` holds no other tensor.
    private static func readTensors(_ file: HDF5File, group: String, layout: ParameterLayout,
                                    config: ModelConfig) throws -> [Float] {
        func fail(_ message: String) -> TGFLError { .checkpoint(path: file.path, message: message) }
        guard file.exists(group) else {
            throw fail("the group '\(group)' is missing; it must hold one dataset per tensor of the model")
        }
        // Every tensor's presence and shape first, so a small file whose model_config claims a
        // huge model fails before the parameter buffer (up to 8 GB) is allocated.
        for spec in layout.specs {
            let dataset = group + "/" + spec.name
            guard file.exists(dataset) else {
                throw fail("tensor '\(spec.name)' is missing from '\(group)' (expected shape \(spec.shape)); "
                    + "model_config (\(describe(config))) needs it, so the file is incomplete or the "
                    + "config does not match the tensors")
            }
            let shape = try file.shape(of: dataset)
            guard shape == spec.shape else {
                throw fail("tensor '\(spec.name)' in '\(group)' has shape \(shape) but model_config "
                    + "(\(describe(config))) needs \(spec.shape); fix model_config or the tensor")
            }
        }
        var flat = [Float](repeating: 0, count: layout.count)
        for spec in layout.specs {
            let dataset = group + "/" + spec.name
            let (values, shape) = try file.readFloat32(dataset)
            guard shape == spec.shape, values.count == spec.count else {
                throw fail("tensor '\(spec.name)' in '\(group)' has shape \(shape) but model_config "
                    + "(\(describe(config))) needs \(spec.shape); fix model_config or the tensor")
            }
            if let (index, value) = firstNonFinite(values) {
                throw fail("tensor '\(spec.name)' in '\(group)' holds a non-finite value (\(value)) at "
                    + "element \(index); the checkpoint is corrupt or training diverged, so use an "
                    + "earlier checkpoint")
            }
            flat.replaceSubrange(spec.offset..<(spec.offset + spec.count), with: values)
        }
        let extras = try file.children(of: group).filter { layout[$0] == nil }
        if let first = extras.first {
            let more = extras.count > 1 ? " (and \(extras.count - 1) more: "
                + extras.dropFirst().prefix(4).joined(separator: ", ") + (extras.count > 5 ? ", ..." : "") + ")" : ""
            throw fail("tensor '\(first)' in '\(group)'\(more) is not part of the model described by "
                + "model_config (\(describe(config))); the config disagrees with the tensors, so fix "
                + "model_config or remove the extra tensors")
        }
        return flat
    }

    /// Reads an optional free-form section: scalar attributes and 1-D numeric datasets.
    private static func readSection(_ file: HDF5File, group: String) throws -> CheckpointSection? {
        guard file.exists(group) else { return nil }
        func fail(_ message: String) -> TGFLError { .checkpoint(path: file.path, message: message) }
        var section = CheckpointSection()
        for name in try file.attributeNames(of: group) {
            switch try file.attributeKind(name, of: group) {
            case .string?:
                section.attributes[name] = .string(try file.stringAttribute(name, of: group) ?? "")
            case .integer?:
                if let value = try file.intAttribute(name, of: group) { section.attributes[name] = .int(value) }
            case .float?:
                if let value = try file.doubleAttribute(name, of: group) { section.attributes[name] = .double(value) }
            case .other?:
                throw fail("'\(group)' attribute '\(name)' is neither a string nor a number; "
                    + "sections hold only scalar strings, integers and floats")
            case nil:
                continue
            }
        }
        for name in try file.children(of: group) {
            let dataset = group + "/" + name
            let shape = try file.shape(of: dataset)
            guard shape.count == 1 else {
                throw fail("dataset '\(dataset)' has shape \(shape); sections hold only 1-D arrays, "
                    + "so store it flattened")
            }
            section.datasets[name] = try file.readFloat64(dataset).values
        }
        return section
    }
}
