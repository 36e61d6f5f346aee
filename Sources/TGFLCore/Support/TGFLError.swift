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

    public var description: String {
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
