// The HTML report (include/tgfl.h, section "Report (issue 15)"): TGFLReport's renderer, so
// that Python shows the very page the `tgfl` command writes.

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLReport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `int32_t tgfl_report(tgfl_model * model, const double * real, size_t n_real,
/// const double * paths, const int32_t * set_paths, const char * const * set_names,
/// int32_t n_sets, int32_t horizon, int32_t training_days, uint64_t seed, int32_t format,
/// char ** out_text)`.
@_cdecl("tgfl_report")
public func cReport(_ model: OpaquePointer?, _ real: UnsafePointer<Double>?, _ nReal: Int,
                    _ paths: UnsafePointer<Double>?, _ setPaths: UnsafePointer<Int32>?,
                    _ setNames: UnsafePointer<UnsafePointer<CChar>?>?, _ nSets: Int32, _ horizon: Int32,
                    _ trainingDays: Int32, _ seed: UInt64, _ format: Int32,
                    _ outText: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outText?.pointee = nil
    let body = { (scenarioModel: ScenarioModel?) throws -> Void in
        guard let outText else { throw BoundaryError.null("out_text") }
        guard format == 0 || format == 1 else {
            throw BoundaryError.invalid("format must be TGFL_REPORT_HTML (0) or TGFL_REPORT_JSON (1), got \(format)")
        }
        let n = try Check.size(nReal, "n_real")
        let realBuffer = try Check.buffer(real, count: n, "real")
        try Check.finite(realBuffer, "real")
        let sets = Int(try Check.inRange(nSets, 1...1024, "n_sets"))
        let days = Int(try Check.inRange(horizon, 1...Int32.max, "horizon"))
        let counts = try Check.buffer(setPaths, count: sets, "set_paths")
        let names = try Check.buffer(setNames, count: sets, "set_names")
        var total = 0
        for (i, c) in counts.enumerated() {
            guard c >= 1 else { throw BoundaryError.invalid("set_paths[\(i)] is \(c); every set needs at least 1 path") }
            total += Int(c)
        }
        guard let values = checkedProduct(total, days) else { throw BoundaryError.invalid("paths × horizon overflows") }
        let pathBuffer = try Check.buffer(paths, count: values, "paths")
        try Check.finite(pathBuffer, "paths")
        let realValues = Array(realBuffer)
        let input = try reportScenarioSets(paths: pathBuffer, counts: counts, names: names, horizon: days,
                                           real: realValues, model: scenarioModel)
        guard trainingDays >= 0, Int(trainingDays) < n else {
            throw BoundaryError.outOfRange("training_days must be in [0, n_real), got \(trainingDays)")
        }
        var facts: [(String, String)] = [("real days", String(n))]
        if let m = scenarioModel {
            facts.append(("model", "V=\(m.config.vocabSize) T=\(m.config.contextLength) C=\(m.config.dModel) "
                          + "L=\(m.config.nLayers) (v\(m.config.modelVersion))"))
        }
        let reportInput = ScenarioReportInput(
            real: realValues, scenarios: input, trainingHistory: scenarioModel?.history,
            federationRecord: scenarioModel?.records["federation"], trainingDays: trainingDays > 0 ? Int(trainingDays) : nil,
            runFacts: facts, seed: seed)
        guard let copy = strdup(try renderedReport(reportInput, html: format == 0)) else {
            throw BoundaryError(status: Status.internalError, message: "out of memory copying the report")
        }
        outText.pointee = copy
    }
    if model == nil { return withStatus { try body(nil) } }
    return withModel(model) { box in try body(box.model) }
}

/// The scenario sets of `tgfl_report`: set i holds the next `counts[i]` rows of `paths`; a set
/// named like one of the model's regimes is compared with the real days of that regime.
private func reportScenarioSets(paths: UnsafeBufferPointer<Double>, counts: UnsafeBufferPointer<Int32>,
                                names: UnsafeBufferPointer<UnsafePointer<CChar>?>, horizon days: Int, real: [Double],
                                model: ScenarioModel?) throws -> [ScenarioReportInput.ScenarioSet] {
    var labels: [Int32]?
    if let m = model, m.isFitted { labels = try m.regimeLabels(of: real) }
    let regimeNames = model?.regimeModel?.names ?? []
    var start = 0
    var input: [ScenarioReportInput.ScenarioSet] = []
    for i in 0..<counts.count {
        let name = try Check.string(names[i], "set_names[\(i)]")
        let rows = (start..<(start + Int(counts[i]))).map { Array(paths[($0 * days)..<(($0 + 1) * days)]) }
        start += Int(counts[i])
        let regime = regimeNames.firstIndex(of: name)
        let realDays = regime.map { r in zip(real, labels ?? []).filter { Int($0.1) == r }.map(\.0) }
        input.append(.init(name: name, paths: rows, realRegimeDays: realDays))
    }
    return input
}

/// The report as one HTML page or as JSON; a report error becomes a boundary error.
private func renderedReport(_ input: ScenarioReportInput, html: Bool) throws -> String {
    do {
        let data = try ScenarioReportData(input)
        return html ? HTMLReport.render(ScenarioReport.document(data, title: input.title, facts: input.runFacts))
            : String(decoding: try data.jsonData(), as: UTF8.self)
    } catch let error as ReportError {
        throw BoundaryError.invalid(error.description)
    }
}
