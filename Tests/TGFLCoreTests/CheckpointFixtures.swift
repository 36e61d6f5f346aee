import Foundation
@testable import TGFLCore

/// What the checkpoint tests share: the h5py fixture's config and the libhdf5 crash corpus.
enum CheckpointFixtures {
    /// The config of `Tests/Fixtures/h5py_checkpoint.h5` (`make_h5py_checkpoint.py`):
    /// V=11 T=7 C=8 L=1 H=2 F=12 R=2.
    static let h5pyConfig = ModelConfig(vocabSize: 11, contextLength: 7, dModel: 8, nLayers: 1,
                                        nHeads: 2, dFF: 12, nRegimes: 2)

    /// `Fuzz/crashes/checkpoint/`, found from this file's path.
    static let crashCorpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/crashes/checkpoint")
}
