import Foundation

/// Every error TGFL throws. Each message names what is wrong (file, row,
/// column, tensor name, parameter) and, where it can, how to fix it.
public enum TGFLError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// A model configuration that cannot describe a valid transformer.
    case invalidConfig(String)
    /// Tensor or array shapes that disagree.
    case shapeMismatch(String)
    /// A token, regime, index or hyperparameter outside its valid range.
    case outOfRange(String)
    /// Any other invalid argument (NaN input, empty input, bad option).
    case invalidArgument(String)
    /// A checkpoint that cannot be read or written; names the file and the tensor.
    case checkpoint(path: String, message: String)
    /// Bad market data; names the file, and the row and column where known.
    case data(file: String, row: Int?, column: String?, message: String)
    /// File-system failures other than checkpoints.
    case io(String)
    /// The caller's progress callback asked to stop.
    case cancelled

    /// The message on one line (control characters become spaces) and at most
    /// `maxDescriptionLength` characters, so that a 500,000-field row or a binary value cannot
    /// make a megabyte-long or multi-line error.
    public var description: String { Self.oneLine(rawDescription) }

    /// The longest `description`, in characters.
    public static let maxDescriptionLength = 600

    static func oneLine(_ text: String) -> String {
        var out = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        if out.count > maxDescriptionLength {
            let cut = out.prefix(maxDescriptionLength - 40)
            out = cut + " … (\(out.count - cut.count) more characters)"
        }
        return out
    }

    private var rawDescription: String {
        switch self {
        case .invalidConfig(let m): return "invalid model config: \(m)"
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .outOfRange(let m): return "out of range: \(m)"
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .checkpoint(let path, let m): return "checkpoint '\(path)': \(m)"
        case .data(let file, let row, let column, let m):
            var place = "'\(file)'"
            if let row { place += ", row \(row)" }
            if let column { place += ", column '\(column)'" }
            return "\(place): \(m)"
        case .io(let m): return "I/O error: \(m)"
        case .cancelled: return "cancelled by the progress callback"
        }
    }

    public var errorDescription: String? { description }
}
