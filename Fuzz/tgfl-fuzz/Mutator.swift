import Foundation
import TGFLRandom

/// Seeded structure-aware mutations (libFuzzer's byte mutations plus CSV-aware ones), so a run
/// is reproducible from `--seed` alone.
///
/// ```
/// input_{k} = mutate(pick(corpus), rng)  with 1 ... 8 stacked mutations
/// ```
struct Mutator {
    var rng: SeededRNG

    /// Values that break parsers: empty, special floats, huge and tiny numbers, quotes,
    /// control characters, separators.
    static let interestingFields: [String] = [
        "", " ", "nan", "NaN", "inf", "-inf", "Infinity", "-0", "0", "-1", "1e308", "1e309", "-1e308",
        "4.9e-324", "1e-320", "9223372036854775807", "-9223372036854775808", "18446744073709551616",
        "2147483648", "\"", "\"\"", "\"a,b\"", "\"unterminated", "\u{0}", "\r", "\n", ",", ";", "1,234.5",
        "0x10", "1_000", "١٢٣", "😀", "1999-01-04", "1999/01/04", "9999-99-99", "0000-00-00", "p_0", "r_1",
        String(repeating: "9", count: 400), String(repeating: "a", count: 5000),
    ]

    static let interestingIntegers: [UInt64] = [
        0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff,
        0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, UInt64.max, 1 << 31, 1 << 32, 1 << 62,
    ]

    mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// Byte-level mutation of `data` (bit flip, byte set, interesting integer, insert, erase,
    /// duplicate a block, truncate, splice with `other`).
    mutating func mutateBytes(_ data: [UInt8], other: [UInt8]) -> [UInt8] {
        var d = data
        for _ in 0..<(1 + int(8)) {
            switch int(10) {
            case 0 where !d.isEmpty:
                d[int(d.count)] ^= UInt8(1) << UInt8(int(8))
            case 1 where !d.isEmpty:
                d[int(d.count)] = [0, 0xff, 0x7f, 0x80, 0x01, 0x20, 0x2c, 0x22, 0x0a][int(9)]
            case 2 where d.count >= 8:
                let v = Self.interestingIntegers[int(Self.interestingIntegers.count)]
                let width = [1, 2, 4, 8][int(4)]
                let at = int(d.count - width + 1)
                for b in 0..<width { d[at + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(b))) }
            case 3:
                let at = int(d.count + 1)
                d.insert(contentsOf: (0..<(1 + int(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 4 where !d.isEmpty:
                let at = int(d.count), n = min(d.count - at, 1 + int(64))
                d.removeSubrange(at..<(at + n))
            case 5 where !d.isEmpty:
                let at = int(d.count), n = min(d.count - at, 1 + int(256))
                let block = Array(d[at..<(at + n)])
                d.insert(contentsOf: block, at: int(d.count + 1))
            case 6 where !d.isEmpty:
                d.removeSubrange(int(d.count)...)
            case 7 where !other.isEmpty && !d.isEmpty:
                let cut = int(d.count), from = int(other.count)
                d = Array(d[..<cut]) + Array(other[from...])
            case 8 where d.count >= 4:
                // Copy a block over another place (moves offsets/sizes around in binary formats).
                let n = 1 + int(min(32, d.count / 2)), a = int(d.count - n), b = int(d.count - n)
                let block = Array(d[a..<(a + n)])
                d.replaceSubrange(b..<(b + n), with: block)
            default:
                if !d.isEmpty { d[int(d.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return d
    }

    /// CSV-aware mutation: works on lines and fields, then sometimes on bytes.
    mutating func mutateCSV(_ text: [UInt8], other: [UInt8]) -> [UInt8] {
        var lines = String(decoding: text, as: UTF8.self).components(separatedBy: "\n")
        for _ in 0..<(1 + int(4)) {
            let li = int(lines.count)
            var fields = lines[li].components(separatedBy: ",")
            switch int(9) {
            case 0: fields[int(fields.count)] = Self.interestingFields[int(Self.interestingFields.count)]
            case 1: fields.insert(Self.interestingFields[int(Self.interestingFields.count)], at: int(fields.count + 1))
            case 2 where fields.count > 1: fields.remove(at: int(fields.count))
            case 3: lines.insert(lines[int(lines.count)], at: int(lines.count + 1))
            case 4 where lines.count > 1: lines.remove(at: li)
            case 5: lines.swapAt(li, int(lines.count))
            case 6: fields += Array(repeating: "1.5", count: 1 + int(int(20) == 0 ? 3000 : 40))   // wide rows
            case 7: lines.insert("", at: int(lines.count + 1))
            default: fields[int(fields.count)] += Self.interestingFields[int(Self.interestingFields.count)]
            }
            if li < lines.count { lines[li] = fields.joined(separator: ",") }
        }
        var out = Array(lines.joined(separator: int(6) == 0 ? "\r\n" : "\n").utf8)
        if int(4) == 0 { out = mutateBytes(out, other: other) }
        return out
    }
}
