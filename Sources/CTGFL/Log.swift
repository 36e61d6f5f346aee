// Warnings and the data sanity check (include/tgfl.h, section "Log").

import CTGFLHeader
import Foundation
import TGFLCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `void tgfl_log_set(tgfl_log_callback, void *)`: routes `TGFLWarnings` to a C function
/// (NULL restores standard error).
@_cdecl("tgfl_log_set")
public func cLogSet(_ callback: tgfl_log_callback?, _ userData: UnsafeMutableRawPointer?) {
    guard let callback else {
        TGFLWarnings.handler = nil
        return
    }
    let data = UInt(bitPattern: userData)
    TGFLWarnings.handler = { message in
        message.withCString { callback(Int32(TGFL_LOG_WARN), $0, UnsafeMutableRawPointer(bitPattern: data)) }
    }
}

/// `int32_t tgfl_check_returns(const double * values, size_t n, char ** out_message)`:
/// 1 when the values look like prices (`DataSanity.pricesWarning`), 0 when not.
@_cdecl("tgfl_check_returns")
public func cCheckReturns(_ values: UnsafePointer<Double>?, _ n: Int,
                          _ outMessage: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outMessage?.pointee = nil
    var verdict: Int32 = 0
    let status = withStatus {
        let count = try Check.size(n, "n")
        let buffer = try Check.buffer(values, count: count, "values")
        try Check.finite(buffer, "values")
        guard let message = DataSanity.pricesWarning(values: Array(buffer), series: "values") else { return }
        verdict = 1
        if let outMessage {
            guard let copy = strdup(message) else {
                throw BoundaryError(status: Status.internalError, message: "out of memory copying the message")
            }
            outMessage.pointee = copy
        }
    }
    return status == Status.ok ? verdict : status
}
