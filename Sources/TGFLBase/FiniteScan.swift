/// Fast search for the first NaN or infinity in a Float32 vector (the engine checks every
/// client update, 4·P bytes, each round).
///
/// A Float32 is NaN or ±inf exactly when its 8 exponent bits are all ones. Per block of
/// 4,096 values the scan ORs `(bits & 0x7F80_0000) + 0x0080_0000` — whose bit 31 is set only
/// for an all-ones exponent — a branch-free loop the compiler vectorizes; only a block that
/// contains a non-finite value is searched element by element for its index.
public enum FiniteScan {
    /// Values per block of the branch-free pass.
    public static let block = 4096

    /// Index of the first non-finite value, or nil when all are finite.
    public static func firstNonFinite(_ x: UnsafeBufferPointer<Float>) -> Int? {
        let n = x.count
        guard n > 0 else { return nil }
        return x.withMemoryRebound(to: UInt32.self) { bits -> Int? in
            var start = 0
            while start < n {
                let end = min(start + block, n)
                var flag: UInt32 = 0
                for i in start..<end { flag |= (bits[i] & 0x7F80_0000) &+ 0x0080_0000 }
                if flag & 0x8000_0000 != 0 {
                    for i in start..<end where !x[i].isFinite { return i }
                }
                start = end
            }
            return nil
        }
    }

    /// Index of the first non-finite value of `x`, or nil.
    public static func firstNonFinite(_ x: [Float]) -> Int? {
        x.withUnsafeBufferPointer { firstNonFinite($0) }
    }
}
