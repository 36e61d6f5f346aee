// The federation record of a model (include/tgfl.h, ABI 3): the checkpoint record `federation`
// (`ScenarioModel.records`). TGFL's own runs write a `FederationRecord`; an outside engine (Flower)
// writes any JSON object of its own there.

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLFederated
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `int32_t tgfl_model_set_federation(tgfl_model *, const char * json)`.
@_cdecl("tgfl_model_set_federation")
public func cModelSetFederation(_ model: OpaquePointer?, _ json: UnsafePointer<CChar>?) -> Int32 {
    withModel(model) { box in
        guard let json else {
            box.model.records[FederationRecord.recordName] = nil
            return
        }
        let text = try Check.string(json, "json")
        let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        guard parsed is [String: Any] else {
            throw BoundaryError.invalid("json is not a JSON object (e.g. {\"engine\": \"flower\", \"rounds\": 3}): "
                                        + String(text.prefix(80)))
        }
        box.model.records[FederationRecord.recordName] = text
    }
}

/// `int32_t tgfl_model_get_federation(tgfl_model *, char ** out_json)`.
@_cdecl("tgfl_model_get_federation")
public func cModelGetFederation(_ model: OpaquePointer?,
                                _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outJSON?.pointee = nil
    return withModel(model) { box in
        guard let outJSON else { throw BoundaryError.null("out_json") }
        guard let record = box.model.records[FederationRecord.recordName] else { return }
        guard let copy = strdup(record) else {
            throw BoundaryError(status: Status.internalError, message: "out of memory copying the federation record")
        }
        outJSON.pointee = copy
    }
}
