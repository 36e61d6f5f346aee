// TGFLBase re-exports the seeded generator: errors, RNG, finite checks and sampling are
// everything the federated engine (TGFLFederation) needs, and all TGFLCore adds beneath the model.
@_exported import TGFLRandom
