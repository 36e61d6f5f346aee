import Foundation

/// The one JSON encoder and decoder of the library's records (training history, federation
/// record, federation state): sorted keys, so equal records give equal bytes, and non-finite
/// numbers as the strings "inf", "-inf" and "nan" (JSON has none).
public enum TGFLJSON {
    /// The encoder: sorted keys, non-finite numbers as strings.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// The decoder matching `encoder()`.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// `value` as compact JSON text.
    /// - Throws: `TGFLError.invalidArgument` naming `what` when it cannot be encoded.
    public static func string<T: Encodable>(_ value: T, what: String) throws -> String {
        do { return String(decoding: try encoder().encode(value), as: UTF8.self) } catch {
            throw TGFLError.invalidArgument("cannot encode the \(what) as JSON: \(error)")
        }
    }

    /// Decodes JSON text written by `string(_:what:)`.
    /// - Throws: `TGFLError.invalidArgument` naming `what` and what is wrong.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, what: String) throws -> T {
        do { return try decoder().decode(type, from: Data(text.utf8)) } catch {
            throw TGFLError.invalidArgument("the \(what) is not valid JSON of its format: \(error)")
        }
    }
}
