import Foundation

extension ScenarioModel {
    /// Generates scenarios (placeholder until the KV-cache sampler lands).
    /// - Throws: `TGFLError.invalidArgument` always for now.
    public func generate(_ options: GenerationOptions,
                         progress: ((GenerationProgress) -> Bool)? = nil) throws -> ScenarioSet {
        throw TGFLError.invalidArgument("not implemented yet")
    }
}
