// Model lifecycle, checkpoints, configuration, parameters and regimes (include/tgfl.h,
// section "Model").

import CTGFLHeader
import Foundation
import TGFLCore

/// `tgfl_model_config tgfl_model_default_config(void)`: the "small" benchmark config.
@_cdecl("tgfl_model_default_config")
public func cModelDefaultConfig() -> tgfl_model_config {
    ModelConfig.small.cConfig
}

/// Clears `*out` (when `out` is not NULL) so a failed call never leaves a stale handle.
private func clearOut(_ out: UnsafeMutablePointer<OpaquePointer?>?) {
    out?.pointee = nil
}

/// `int32_t tgfl_model_create(const tgfl_model_config *, uint64_t seed, tgfl_model **)`.
@_cdecl("tgfl_model_create")
public func cModelCreate(_ config: UnsafePointer<tgfl_model_config>?, _ seed: UInt64,
                         _ outModel: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    clearOut(outModel)
    return withStatus {
        guard let config else { throw BoundaryError.null("config") }
        guard let outModel else { throw BoundaryError.null("out_model") }
        let swiftConfig = try ModelConfig(checking: config.pointee)
        let model = try ScenarioModel(config: swiftConfig, seed: seed)
        outModel.pointee = HandleTable.register(ModelBox(model: model))
    }
}

/// `void tgfl_model_free(tgfl_model *)`: NULL and already-freed handles are no-ops.
@_cdecl("tgfl_model_free")
public func cModelFree(_ model: OpaquePointer?) {
    guard let model else { return }
    if !HandleTable.release(model) {
        LastError.set("tgfl_model_free: not a live tgfl_model handle (already freed?); ignored")
    }
}

/// `int32_t tgfl_model_load(const char * path, tgfl_model ** out_model)`.
@_cdecl("tgfl_model_load")
public func cModelLoad(_ path: UnsafePointer<CChar>?,
                       _ outModel: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    clearOut(outModel)
    return withStatus {
        let file = try Check.string(path, "path")
        guard let outModel else { throw BoundaryError.null("out_model") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw TGFLError.io("checkpoint '\(file)' does not exist")
        }
        guard !isDirectory.boolValue else {
            throw TGFLError.io("checkpoint path '\(file)' is a directory, not a file")
        }
        let model = try ScenarioModel.load(from: file)
        outModel.pointee = HandleTable.register(ModelBox(model: model))
    }
}

/// `int32_t tgfl_model_save(tgfl_model *, const char * path)`: atomic HDF5 save.
@_cdecl("tgfl_model_save")
public func cModelSave(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    withModel(model) { box in
        let file = try Check.string(path, "path")
        try box.model.save(to: file)
    }
}

/// `int32_t tgfl_model_get_config(tgfl_model *, tgfl_model_config * out_config)`.
@_cdecl("tgfl_model_get_config")
public func cModelGetConfig(_ model: OpaquePointer?,
                            _ outConfig: UnsafeMutablePointer<tgfl_model_config>?) -> Int32 {
    withModel(model) { box in
        guard let outConfig else { throw BoundaryError.null("out_config") }
        outConfig.pointee = box.model.config.cConfig
    }
}

/// `int64_t tgfl_model_n_params(tgfl_model *)`: the parameter count or a negative status.
@_cdecl("tgfl_model_n_params")
public func cModelNParams(_ model: OpaquePointer?) -> Int64 {
    var count: Int64 = 0
    let status = withModel(model) { box in count = Int64(box.model.transformer.parameterCount) }
    return status == Status.ok ? count : Int64(status)
}

/// Throws unless the caller's `n` equals the model's parameter count; returns it.
private func checkParameterCount(_ n: Int, of box: ModelBox) throws -> Int {
    let expected = box.model.transformer.parameterCount
    guard n == expected else {
        throw BoundaryError.shape(
            "n is \(UInt(bitPattern: n)) but the model has \(expected) parameters (tgfl_model_n_params)")
    }
    return n
}

/// `int32_t tgfl_model_get_params(tgfl_model *, float * out, size_t n)`.
@_cdecl("tgfl_model_get_params")
public func cModelGetParams(_ model: OpaquePointer?, _ out: UnsafeMutablePointer<Float>?, _ n: Int) -> Int32 {
    withModel(model) { box in
        let count = try checkParameterCount(n, of: box)
        let destination = try Check.mutableBuffer(out, count: count, "out")
        let values = box.model.parameters()
        _ = destination.initialize(from: values)
    }
}

/// `int32_t tgfl_model_set_params(tgfl_model *, const float * params, size_t n)`.
@_cdecl("tgfl_model_set_params")
public func cModelSetParams(_ model: OpaquePointer?, _ params: UnsafePointer<Float>?, _ n: Int) -> Int32 {
    withModel(model) { box in
        let count = try checkParameterCount(n, of: box)
        let values = try Check.buffer(params, count: count, "params")
        // ScenarioModel.setParameters names the tensor of a NaN/inf and leaves the model unchanged.
        try box.model.setParameters(Array(values))
    }
}

/// `const char * tgfl_model_regime_name(tgfl_model *, int32_t index)`: NULL on error.
@_cdecl("tgfl_model_regime_name")
public func cModelRegimeName(_ model: OpaquePointer?, _ index: Int32) -> UnsafePointer<CChar>? {
    var result: UnsafePointer<CChar>?
    _ = withModel(model) { box in
        let n = box.model.config.nRegimes
        guard (0..<n).contains(Int(index)) else {
            throw BoundaryError.outOfRange("regime index \(index) is outside 0..<\(n) (n_regimes)")
        }
        guard box.model.isFitted else {
            throw BoundaryError.state(
                "regime \(index) has no name yet: the model has no regime model; train it or load a trained checkpoint")
        }
        let name = try box.model.regimeName(Int(index))
        guard let pointer = box.regimeNameCString(index: Int(index), name: name) else {
            throw BoundaryError(status: Status.internalError, message: "out of memory copying a regime name")
        }
        result = pointer
    }
    return result
}

/// `int32_t tgfl_model_regime_index(tgfl_model *, const char * name)`: index or negative status.
@_cdecl("tgfl_model_regime_index")
public func cModelRegimeIndex(_ model: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    var index: Int32 = 0
    let status = withModel(model) { box in
        let text = try Check.string(name, "name")
        if !box.model.isFitted && Int(text.trimmingCharacters(in: .whitespaces)) == nil {
            throw BoundaryError.state(
                "unknown regime '\(text)': the model has no regime model yet, so only indices "
                + "0..<\(box.model.config.nRegimes) are known; train it or load a trained checkpoint")
        }
        index = Int32(clamping: try box.model.regimeIndex(text))
    }
    return status == Status.ok ? index : status
}
