import TGFLCore
import TGFLStats
import TGFLFederated

/// `int32_t tgfl_abi_version(void)`: the ABI version of include/tgfl.h.
@_cdecl("tgfl_abi_version")
public func tgfl_abi_version() -> Int32 { 1 }
