import Foundation

/// Renders a `ReportDocument` as one self-contained HTML page.
///
/// The page inlines everything it needs — styles, the chart specs with their data, and the
/// vendored Vega, Vega-Lite and Vega-Embed bundle (`VegaBundle`) — so it opens offline. Its
/// Content-Security-Policy (`default-src 'none'`) forbids every network request: a page that
/// tried one would log an error, which the browser test (Tests/browser) fails on. Charts are
/// drawn as SVG (sharp in print); tables and text are plain HTML.
///
/// After the charts are drawn the page sets `document.body.dataset.tgflReady` to `"done"`
/// and keeps each chart's Vega view in `window.tgflViews[id]` (for tests; errors go to
/// `window.tgflErrors` and to the console).
public enum HTMLReport {
    /// The versions of the inlined chart libraries.
    public static var chartLibraries: String { VegaBundle.versions }

    /// The page.
    /// - Parameter document: title, facts and sections.
    /// - Returns: the HTML text (UTF-8 when written).
    public static func render(_ document: ReportDocument) -> String {
        var specs: [(String, JSONValue)] = []
        var body = "<header><h1>\(escape(document.title))</h1>"
        if !document.subtitle.isEmpty { body += "<p class=\"subtitle\">\(escape(document.subtitle))</p>" }
        if !document.facts.isEmpty {
            body += "<table class=\"facts\">" + document.facts.map {
                "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>"
            }.joined() + "</table>"
        }
        body += "</header>\n<nav><ol>" + document.sections.map {
            "<li><a href=\"#\(escape($0.id))\">\(escape($0.title))</a></li>"
        }.joined() + "</ol></nav>\n<main>\n"
        for section in document.sections {
            body += "<section id=\"\(escape(section.id))\"><h2>\(escape(section.title))</h2>\n"
            for block in section.blocks {
                switch block {
                case .paragraph(let text): body += "<p>\(escape(text))</p>\n"
                case .note(let text): body += "<p class=\"note\">\(escape(text))</p>\n"
                case .table(let table): body += html(table)
                case .chart(let chart):
                    body += figure(chart); specs.append((chart.id, chart.spec))
                case .grid(let charts):
                    body += "<div class=\"grid\">" + charts.map(figure).joined() + "</div>\n"
                    specs += charts.map { ($0.id, $0.spec) }
                }
            }
            body += "</section>\n"
        }
        body += "</main>\n<footer>Written by TGFL. Charts: \(escape(VegaBundle.versions)) (BSD-3-Clause; "
            + "licences in Sources/TGFLReport/Vendor/LICENSES.md of the TGFL sources), inlined: this page makes no "
            + "network request.</footer>\n"

        var page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            + "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
            + "font-src data:\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<title>\(escape(document.title))</title>\n<style>\(style)</style>\n</head>\n<body>\n"
        page += body
        page += "<script type=\"application/json\" id=\"tgfl-specs\">" + JSONValue.object(specs).text + "</script>\n"
        page += "<script>\n" + VegaBundle.script + "\n</script>\n"
        page += "<script>\(bootstrap)</script>\n</body></html>\n"
        return page
    }

    static func figure(_ chart: ReportChart) -> String {
        "<figure><figcaption class=\"title\">\(escape(chart.title))</figcaption>"
            + "<div class=\"chart\" id=\"\(escape(chart.id))\" role=\"img\" aria-label=\"\(escape(chart.title))\"></div>"
            + "<figcaption>\(escape(chart.caption))</figcaption></figure>\n"
    }

    static func html(_ table: ReportTable) -> String {
        var out = "<table class=\"data\"><thead><tr>" + table.columns.map { "<th>\(escape($0))</th>" }.joined()
            + "</tr></thead><tbody>"
        for (r, (row, verdict)) in zip(table.rows, table.verdicts).enumerated() {
            let cls = verdict.map { $0 ? " class=\"pass\"" : " class=\"fail\"" } ?? ""
            let marks = r < table.marks.count ? table.marks[r] : []
            out += "<tr\(cls)>" + row.enumerated().map { c, text in
                let mark = c < marks.count ? marks[c].map { " class=\"mark-\($0.rawValue)\"" } ?? "" : ""
                return "<td\(mark)>\(escape(text))</td>"
            }.joined() + "</tr>"
        }
        out += "</tbody></table>\n"
        if !table.caption.isEmpty { out += "<p class=\"caption\">\(escape(table.caption))</p>\n" }
        return out
    }

    /// Text with `& < > " '` escaped for HTML content and attributes.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static let style = """
        :root{--fg:#1b1b1b;--muted:#555;--line:#d0d0d0;--fail:#fbe3d6;--failfg:#8a2d00}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);margin:0 auto;max-width:1180px;padding:1.2em 1.5em}
        h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:1.6em}
        .subtitle,.caption,figcaption{color:var(--muted)}figcaption{font-size:.85em;max-width:560px}
        figcaption.title{color:var(--fg);font-weight:600;font-size:.95em}
        nav ol{display:flex;flex-wrap:wrap;gap:.3em 1.4em;padding-left:0;list-style:none;counter-reset:s}
        nav li{counter-increment:s}nav li::before{content:counter(s) ". ";color:var(--muted)}
        .grid{display:flex;flex-wrap:wrap;gap:1em 1.5em}figure{margin:.6em 0;break-inside:avoid;page-break-inside:avoid}
        table{border-collapse:collapse;font-size:.88em;margin:.6em 0}th,td{border-bottom:1px solid var(--line);padding:.25em .6em;text-align:left}
        table.data td:not(:first-child){font-variant-numeric:tabular-nums}
        tr.fail td{background:var(--fail);color:var(--failfg);font-weight:600}tr.fail td:last-child::before{content:"✗ "}
        tr.pass td:last-child::before{content:"✓ "}.note{border-left:3px solid #E69F00;padding-left:.6em}
        td.mark-green{background:#cdebe3}td.mark-yellow{background:#f7f0a8}td.mark-red{background:#f3c6ad;color:#6b2300;font-weight:600}
        td.mark-green::before{content:"● ";color:#009E73}td.mark-yellow::before{content:"◆ ";color:#8a7a00}td.mark-red::before{content:"▲ ";color:#D55E00}
        footer{margin-top:2em;color:var(--muted);font-size:.8em}
        @media print{nav{display:none}body{max-width:none;padding:0}section{break-before:auto}h2{break-after:avoid}
        tr.fail td,td[class^=mark-]{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """

    /// Draws every chart (SVG), keeping the views for tests and reporting failures.
    static let bootstrap = """
        (async function(){
          window.tgflViews={};window.tgflErrors=[];
          var specs=JSON.parse(document.getElementById('tgfl-specs').textContent);
          for(var id in specs){
            try{
              var r=await vegaEmbed('#'+id,specs[id],{renderer:'svg',actions:false,mode:'vega-lite'});
              window.tgflViews[id]=r.view;
            }catch(e){window.tgflErrors.push(id+': '+e);console.error('chart '+id+' failed: '+e);}
          }
          document.body.dataset.tgflReady='done';
        })();
        """
}
