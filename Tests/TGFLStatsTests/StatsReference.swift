import Foundation
import TGFLTestSupport

/// The golden values written by `Tests/Fixtures/make_stats_reference.py` (scipy, statsmodels,
/// numpy), decoded once and shared by the TGFLStats tests.
enum StatsReference {
    /// The parsed fixture as a JSON tree.
    nonisolated(unsafe) static let json: [String: Any] = {
        let data = try! Data(contentsOf: fixtureURL("stats_reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func section(_ name: String) -> [String: Any] { json[name] as! [String: Any] }

    static func sample(_ name: String) -> [Double] { doubles(section("samples")[name]) }

    static func doubles(_ any: Any?) -> [Double] {
        (any as! [Any]).map { ($0 as! NSNumber).doubleValue }
    }

    static func double(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
}

extension Dictionary where Key == String, Value == Any {
    func d(_ key: String) -> Double { StatsReference.double(self[key]) }
    func a(_ key: String) -> [Double] { StatsReference.doubles(self[key]) }
    func o(_ key: String) -> [String: Any] { self[key] as! [String: Any] }
    func i(_ key: String) -> Int { (self[key] as! NSNumber).intValue }
}
