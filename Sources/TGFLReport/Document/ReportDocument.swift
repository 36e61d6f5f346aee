/// A report page as plain data: a title, a few facts about the run, and sections of blocks.
///
/// Every producer (the scenario report, and later the backtest and stress commands) builds
/// `ReportSection`s from its own numbers and appends them; `HTMLReport.render(_:)` turns the
/// whole document into one self-contained page. Nothing here knows about HTML.
public struct ReportDocument: Sendable, Equatable {
    /// The page title (`<title>` and the heading).
    public var title: String
    /// One line under the title (e.g. what was generated and how).
    public var subtitle: String
    /// Key facts shown as a small table under the title (e.g. "model" → "V=256 …").
    public var facts: [(String, String)]
    /// The sections, in page order.
    public var sections: [ReportSection]

    /// Creates a document.
    public init(title: String, subtitle: String = "", facts: [(String, String)] = [], sections: [ReportSection] = []) {
        self.title = title; self.subtitle = subtitle; self.facts = facts; self.sections = sections
    }

    public static func == (a: ReportDocument, b: ReportDocument) -> Bool {
        a.title == b.title && a.subtitle == b.subtitle && a.facts.map { $0.0 } == b.facts.map { $0.0 }
            && a.facts.map { $0.1 } == b.facts.map { $0.1 } && a.sections == b.sections
    }

    /// Every chart of the document, in page order.
    public var charts: [ReportChart] {
        sections.flatMap { section in
            section.blocks.flatMap { block -> [ReportChart] in
                switch block {
                case .chart(let chart): return [chart]
                case .grid(let charts): return charts
                default: return []
                }
            }
        }
    }
}

/// One titled part of a report (e.g. "Scenarios", "Dynamics", "Backtests").
///
/// A new kind of result becomes a section by building one from plain numbers: tables of
/// strings, and charts from `ReportChart` (a Vega-Lite spec; `ChartSpec` has the house style).
public struct ReportSection: Sendable, Equatable {
    /// Anchor id (letters, digits, '-'), unique in the page.
    public var id: String
    /// Heading.
    public var title: String
    /// The blocks, in order.
    public var blocks: [ReportBlock]

    /// Creates a section.
    public init(id: String, title: String, blocks: [ReportBlock]) {
        self.id = id; self.title = title; self.blocks = blocks
    }
}

/// A piece of a section.
public enum ReportBlock: Sendable, Equatable {
    /// A paragraph of plain text (escaped when rendered).
    case paragraph(String)
    /// A note set apart (e.g. why a chart is missing).
    case note(String)
    /// A table.
    case table(ReportTable)
    /// A chart.
    case chart(ReportChart)
    /// Charts side by side (small multiples), wrapping on narrow pages.
    case grid([ReportChart])
}

/// A table of text cells; rows can be marked as failures (highlighted).
public struct ReportTable: Sendable, Equatable {
    /// Column headings.
    public var columns: [String]
    /// Cells, one array per row, each as long as `columns`.
    public var rows: [[String]]
    /// Per row: true = passed, false = failed (highlighted), nil = informational.
    public var verdicts: [Bool?]
    /// Caption under the table.
    public var caption: String
    /// Per row and column: a mark that colours the cell (e.g. a traffic-light zone), or nil.
    /// Empty: no marks.
    public var marks: [[ReportMark?]]

    /// Creates a table.
    /// - Parameters:
    ///   - verdicts: per row (empty: no verdicts).
    ///   - marks: per row and column, a cell colour (empty: none; shorter rows leave the rest plain).
    public init(columns: [String], rows: [[String]], verdicts: [Bool?] = [], caption: String = "",
                marks: [[ReportMark?]] = []) {
        self.columns = columns; self.rows = rows; self.caption = caption; self.marks = marks
        self.verdicts = verdicts.isEmpty ? Array(repeating: nil, count: rows.count) : verdicts
    }
}

/// The colour of a table cell, as the Basel traffic light: green (fine), yellow (look
/// closer), red (rejected). Drawn in Okabe–Ito colours (bluish green, yellow, vermillion) with
/// a symbol (● ◆ ▲) before the text, so the mark survives colour-vision deficiencies and
/// grey-scale printing.
public enum ReportMark: String, Sendable, Equatable {
    case green, yellow, red
}

/// A chart: a Vega-Lite spec (data inline), a title and a caption.
public struct ReportChart: Sendable, Equatable {
    /// Element id (letters, digits, '-'), unique in the page.
    public var id: String
    /// Title above the chart.
    public var title: String
    /// Caption below it: what is drawn and how to read it.
    public var caption: String
    /// The Vega-Lite spec with its data inline.
    public var spec: JSONValue

    /// Creates a chart.
    public init(id: String, title: String, caption: String, spec: JSONValue) {
        self.id = id; self.title = title; self.caption = caption; self.spec = spec
    }
}
