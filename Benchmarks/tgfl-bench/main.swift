import TGFLCore
print("tgfl-bench \(TGFLVersion.string)")
