// The progress callback of include/tgfl.h: Swift progress values → `tgfl_progress`.

import CTGFLHeader
import Foundation
import TGFLCore

/// A C progress callback with its user data; `report` returns false to cancel.
struct ProgressSink {
    let callback: tgfl_progress_callback
    let userData: UnsafeMutableRawPointer?
    /// The model the callback reports on.
    let box: ModelBox

    /// nil when no callback was given.
    init?(_ callback: tgfl_progress_callback?, _ userData: UnsafeMutableRawPointer?, box: ModelBox) {
        guard let callback else { return nil }
        self.callback = callback
        self.userData = userData
        self.box = box
    }

    /// Calls the C function; true to go on.
    func report(_ progress: tgfl_progress) -> Bool {
        var value = progress
        return CallbackScope.run(for: box) { callback(&value, userData) }
    }
}

extension tgfl_progress {
    /// A progress record with every field set (NaN for losses that are unknown).
    init(kind: Int32, step: Int, total: Int, epoch: Double, trainLoss: Double?, validationLoss: Double?,
         tokensPerSecond: Double, elapsedSeconds: Double, etaSeconds: Double) {
        self.init()
        self.kind = kind
        self.step = Int64(step)
        self.total = Int64(total)
        self.epoch = epoch.isFinite ? Int32(clamping: Int(max(0, min(epoch, Double(Int32.max))).rounded(.down))) : 0
        self.train_loss = trainLoss ?? .nan
        self.val_loss = validationLoss ?? .nan
        self.tokens_per_second = tokensPerSecond
        self.elapsed_seconds = elapsedSeconds
        self.eta_seconds = etaSeconds
    }
}
