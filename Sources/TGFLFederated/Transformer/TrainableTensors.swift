import Foundation
import TGFLCore

/// Which tensors of the network a federation trains (`FederatedTrainingOptions.trainable`,
/// `tgfl federate --trainable`); the others stay at the initial model's values, are never sent
/// by a client nor noised nor changed (`ParameterSubset`).
///
/// ```
/// all          every tensor (the default)
/// head         ln_f.weight, ln_f.bias, head.weight, head.bias, level_bias.weight (v2)
/// priors       head.bias, level_bias.weight: the output distribution per volatility level
/// last-block   blocks.{L-1}.* and head
/// NAME,NAME…   tensors named NAME or starting with "NAME." (e.g. blocks.1,ln_f,head.bias)
/// ```
/// With DP the noise is drawn for the trainable coordinates only, so its norm over R rounds is
/// z·S·√(d_trainable·R)/m instead of z·S·√(d·R)/m: with a public pretrained start
/// (`tgfl federate --init`) the frozen part is already useful and the clipped signal meets
/// less noise. The accounting does not change (S bounds the released subset's update).
public struct TrainableTensors: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The name as given: a preset or a comma-separated list of tensor names/prefixes.
    public let name: String

    /// Every tensor.
    public static let all = TrainableTensors(checkedName: "all")
    /// The final layer norm and the output head (and v2's level priors).
    public static let head = TrainableTensors(checkedName: "head")

    /// The presets, for help texts and errors.
    public static let presets = ["all", "head", "priors", "last-block"]

    private init(checkedName: String) { name = checkedName }

    /// - Throws: `TGFLError.invalidArgument` for an empty name or an empty list item.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let items = t.split(separator: ",", omittingEmptySubsequences: false)
        guard !t.isEmpty, !items.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw TGFLError.invalidArgument("trainable = '\(text)': give one of \(Self.presets.joined(separator: ", ")) "
                + "or a comma-separated list of tensor names (e.g. head.weight,head.bias)")
        }
        name = Self.presets.contains(t.lowercased()) ? t.lowercased() : t
    }

    public var description: String { name }

    /// Whether every tensor is trained.
    public var isAll: Bool { name == "all" }

    /// The tensor names trained in a model of `layout` (layout order).
    /// - Throws: `TGFLError.invalidArgument` when a list item names no tensor (listing them).
    public func tensorNames(_ layout: ParameterLayout) throws -> [String] {
        let names = layout.specs.map(\.name)
        let layers = names.compactMap { n -> Int? in
            guard n.hasPrefix("blocks.") else { return nil }
            return Int(n.dropFirst("blocks.".count).prefix { $0 != "." })
        }
        let headTensors: Set<String> = ["ln_f.weight", "ln_f.bias", "head.weight", "head.bias", "level_bias.weight"]
        switch name {
        case "all": return names
        case "head": return names.filter(headTensors.contains)
        case "priors": return names.filter { $0 == "head.bias" || $0 == "level_bias.weight" }
        case "last-block":
            let last = "blocks.\(layers.max() ?? 0)."
            return names.filter { headTensors.contains($0) || $0.hasPrefix(last) }
        default:
            var chosen = Set<String>()
            for item in name.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                let hits = names.filter { $0 == item || $0.hasPrefix(item + ".") }
                guard !hits.isEmpty else {
                    throw TGFLError.invalidArgument("trainable: '\(item)' names no tensor of this model; use a preset ("
                        + Self.presets.joined(separator: ", ") + ") or tensor names: " + Self.shortList(names))
                }
                chosen.formUnion(hits)
            }
            return names.filter(chosen.contains)
        }
    }

    /// The tensor names in short: `blocks.I.*` once, `.weight`/`.bias` dropped (an error's list).
    static func shortList(_ names: [String]) -> String {
        var out: [String] = []
        for n in names {
            var s = n.replacingOccurrences(of: #"^blocks\.\d+\."#, with: "blocks.I.", options: .regularExpression)
            for suffix in [".weight", ".bias"] where s.hasSuffix(suffix) { s.removeLast(suffix.count) }
            if !out.contains(s) { out.append(s) }
        }
        return out.joined(separator: ", ") + " (each .weight/.bias; I = a block index)"
    }

    /// The trainable coordinates of a model of `layout` (adjacent tensors merged), or nil for
    /// every tensor.
    /// - Throws: What `tensorNames` throws.
    public func subset(_ layout: ParameterLayout) throws -> ParameterSubset? {
        let chosen = Set(try tensorNames(layout))
        if chosen.count == layout.specs.count { return nil }
        var ranges: [Range<Int>] = []
        for spec in layout.specs where chosen.contains(spec.name) {
            let r = spec.offset..<(spec.offset + spec.count)
            if let last = ranges.last, last.upperBound == r.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<r.upperBound
            } else {
                ranges.append(r)
            }
        }
        return try ParameterSubset(ranges: ranges)
    }
}

/// What a federation trained, as its record states it (`FederationRecord.trainable`).
public struct TrainableRecord: Codable, Equatable, Sendable {
    /// The `TrainableTensors` name.
    public var subset: String
    /// The trained tensors.
    public var tensors: [String]
    /// Trained (clipped, noised, released) coordinates, and all of the network's.
    public var parameters: Int
    public var totalParameters: Int
    /// What happened to the rest.
    public var frozen: String
    enum CodingKeys: String, CodingKey {
        case subset, tensors, parameters, totalParameters = "total_parameters", frozen
    }

    /// The record of `trainable` on a model of `config`.
    /// - Throws: What `TrainableTensors.tensorNames` throws.
    public init(_ trainable: TrainableTensors, config: ModelConfig) throws {
        let layout = ParameterLayout(config: config)
        let names = try trainable.tensorNames(layout)
        subset = trainable.name
        tensors = names
        parameters = names.reduce(0) { $0 + (layout[$1]?.count ?? 0) }
        totalParameters = layout.count
        frozen = parameters == totalParameters ? "none"
            : "every other tensor stays at the initial model's values: never trained, sent, noised or aggregated; "
            + "DP clips and noises exactly the trained coordinates (S bounds their update)"
    }
}

/// The model a federation started from (`FederatedTrainingOptions.initialModel`,
/// `tgfl federate --init`), as its record states it.
public struct InitialModelRecord: Codable, Equatable, Sendable {
    /// Where the base came from (a checkpoint path).
    public var source: String
    /// The series it was pretrained on (its `pretraining` record), if any.
    public var pretrainedOn: [String]?
    /// Its pretraining steps and the step kept, if known.
    public var pretrainingSteps: Int?
    /// What was kept and refitted.
    public var kept: String
    enum CodingKeys: String, CodingKey {
        case source, pretrainedOn = "pretrained_on", pretrainingSteps = "pretraining_steps", kept
    }

    /// Creates it from the values its properties document.
    public init(source: String, pretrainedOn: [String]?, pretrainingSteps: Int?, kept: String) {
        self.source = source
        self.pretrainedOn = pretrainedOn
        self.pretrainingSteps = pretrainingSteps
        self.kept = kept
    }
}

extension FederatedTrainer {
    /// Makes a pretrained model v2 (`tgfl pretrain`) the start of a federation: keeps its
    /// network, tokenizer and level priors, and refits the volatility filter, levels, regimes and
    /// generation parts (matched recursion, zero shares, z tails: `adaptDataModels`) on `publicData` (every day; nothing of the clients is used, so with DP ε still
    /// covers the whole release) or, without public data, on the members' training spans
    /// (the first `1 − validationFraction` of each; shared in the clear, as the clients'
    /// summaries are, and not covered by ε).
    /// - Parameters:
    ///   - base: The pretrained model; changed in place (`adaptDataModels`).
    ///   - source: Where it came from, for the record.
    /// - Returns: The record to pass in `FederatedTrainingOptions.initialModel`.
    /// - Throws: `TGFLError.invalidArgument` for a v1 or unfitted base, or bad series (named).
    public static func prepareInitialModel(_ base: ScenarioModel, source: String, publicData: [ReturnSeries]?,
                                           members: [ReturnSeries], validationFraction: Double) throws -> InitialModelRecord {
        guard base.config.modelVersion >= 2, base.isFitted else {
            throw TGFLError.invalidArgument("the initial model '\(source)' must be a trained model v2 (e.g. from "
                + "`tgfl pretrain --exclude NAME`); got a \(base.isFitted ? "v1" : "untrained") model")
        }
        let pretraining = base.records[PretrainingRecord.recordName].flatMap {
            try? TGFLJSON.decode(PretrainingRecord.self, from: $0, what: "pretraining record")
        }
        let kept: String
        if let publicData {
            try base.adaptDataModels(to: publicData, trainFraction: 1, resetOutputPrior: false)
            kept = "network, tokenizer and level priors of the initial model; volatility filter, levels, regimes and generation parts "
                + "refitted on public data " + publicData.map { "'\($0.name)'" }.joined(separator: ", ")
        } else {
            try base.adaptDataModels(to: members, trainFraction: 1 - validationFraction, resetOutputPrior: false)
            kept = "network, tokenizer and level priors of the initial model; volatility filter, levels, regimes and generation parts "
                + "refitted on the members' training spans (shared in the clear, not covered by ε)"
        }
        return InitialModelRecord(source: source, pretrainedOn: pretraining?.series, pretrainingSteps: pretraining?.steps,
                                  kept: kept)
    }
}
