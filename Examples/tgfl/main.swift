import TGFLCore
print("tgfl \(TGFLVersion.string)")
