/// The house style of report charts, and the pieces every Vega-Lite spec is built from.
///
/// Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), readable
/// with every common colour-vision deficiency; real data is always vermillion, synthetic
/// always blue, and lines also differ by dash so the charts survive grey-scale printing.
public enum ChartSpec {
    /// Okabe–Ito colours.
    public static let blue = "#0072B2", vermillion = "#D55E00", green = "#009E73", orange = "#E69F00",
                      skyBlue = "#56B4E9", purple = "#CC79A7", grey = "#7F7F7F", black = "#000000"
    /// Synthetic and real series colours.
    public static let synthetic = blue, real = vermillion

    /// The shared config: fonts, axis sizes, legend at the bottom, no view border.
    ///
    /// Computed, not a stored `static let`: a global holding indirect-enum boxes shows as
    /// "definitely lost" under valgrind (the C example's leak check renders pages through libCTGFL).
    static var config: JSONValue {
        ["font": "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif",
         "axis": ["labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal", "gridOpacity": 0.5],
         "legend": ["orient": "bottom", "labelFontSize": 11, "symbolStrokeWidth": 2, "labelLimit": 260, "columns": 3],
         "view": ["stroke": nil]]
    }

    /// A complete spec: size, config, optional named datasets, and the body (mark/layer…).
    /// - Parameters:
    ///   - width, height: pixels of the plotting area.
    ///   - datasets: named inline datasets (`{"data": {"name": …}}` refers to them).
    ///   - body: the rest of the spec (e.g. `layer`, `mark`, `encoding`).
    public static func chart(width: Int = 340, height: Int = 230, datasets: [(String, JSONValue)] = [],
                             _ body: [(String, JSONValue)]) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("width", .number(Double(width))), ("height", .number(Double(height))),
                                            ("config", config)]
        if !datasets.isEmpty { pairs.append(("datasets", .object(datasets))) }
        return .object(pairs + body)
    }

    /// Rows `{column: value}` from equally long columns; non-finite values become null.
    public static func rows(_ columns: [(String, [Double])]) -> JSONValue {
        let n = columns.map(\.1.count).min() ?? 0
        return .array((0..<n).map { i in .object(columns.map { ($0.0, JSONValue.finite($0.1[i])) }) })
    }

    /// A quantitative axis field with a title (which names the unit).
    public static func field(_ name: String, _ title: String, scale: JSONValue? = nil, format: String? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("field", .string(name)), ("type", "quantitative"), ("title", .string(title))]
        if let scale { pairs.append(("scale", scale)) }
        if let format { pairs.append(("axis", ["format": .string(format)])) }
        return .object(pairs)
    }

    /// A colour channel with a fixed legend: `label` is one of `domain`, drawn in the matching `range` colour.
    public static func colour(_ label: String, domain: [String], range: [String]) -> JSONValue {
        ["datum": .string(label),
         "scale": ["domain": .array(domain.map { .string($0) }), "range": .array(range.map { .string($0) })],
         "legend": ["title": nil]]
    }

    /// A field-based colour channel with a fixed domain and range.
    public static func colourField(_ name: String, domain: [String], range: [String]) -> JSONValue {
        ["field": .string(name), "type": "nominal",
         "scale": ["domain": .array(domain.map { .string($0) }), "range": .array(range.map { .string($0) })],
         "legend": ["title": nil]]
    }

    /// Zoom and pan with the mouse wheel and drag (double click resets), bound to the scales.
    public static func zoom(_ name: String = "zoom") -> JSONValue {
        [["name": .string(name), "select": "interval", "bind": "scales"]]
    }

    /// The federated-round axis: whole rounds (a tick at each of up to 15 rounds), not from zero.
    static func roundAxis(_ name: String = "round", rounds: [Int]) -> JSONValue {
        let axis: JSONValue = rounds.count <= 15
            ? ["format": "d", "values": .array(rounds.map { .number(Double($0)) })]
            : ["format": "d", "tickMinStep": 1]
        return ["field": .string(name), "type": "quantitative", "title": "Federated round", "scale": ["zero": false],
                "axis": axis]
    }

    /// Tooltip fields: each quantitative with a format.
    public static func tooltip(_ fields: [(String, String)], format: String = ".4~g") -> JSONValue {
        .array(fields.map { ["field": .string($0.0), "type": "quantitative", "title": .string($0.1), "format": .string(format)] })
    }
}
