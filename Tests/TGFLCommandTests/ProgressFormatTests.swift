import XCTest
@testable import tgfl

/// Progress-line formatting against hand-computed strings.
final class ProgressFormatTests: XCTestCase {
    func testBar() {
        XCTAssertEqual(ProgressFormat.bar(fraction: 0, width: 10), "[>         ]")
        XCTAssertEqual(ProgressFormat.bar(fraction: 0.5, width: 10), "[=====>    ]")
        XCTAssertEqual(ProgressFormat.bar(fraction: 0.99, width: 10), "[=========>]")
        XCTAssertEqual(ProgressFormat.bar(fraction: 1, width: 4), "[====]")
        XCTAssertEqual(ProgressFormat.bar(fraction: 7, width: 4), "[====]", "clamped above")
        XCTAssertEqual(ProgressFormat.bar(fraction: .nan, width: 3), "[>  ]", "NaN counts as nothing done")
    }

    func testDuration() {
        XCTAssertEqual(ProgressFormat.duration(0), "0:00")
        XCTAssertEqual(ProgressFormat.duration(65), "1:05")
        XCTAssertEqual(ProgressFormat.duration(59.6), "1:00", "rounds to whole seconds")
        XCTAssertEqual(ProgressFormat.duration(3725), "1:02:05")
        XCTAssertEqual(ProgressFormat.duration(nil), "--:--")
        XCTAssertEqual(ProgressFormat.duration(.infinity), "--:--")
        XCTAssertEqual(ProgressFormat.duration(-1), "--:--")
    }

    func testRateAndMetric() {
        XCTAssertEqual(ProgressFormat.rate(950), "950")
        XCTAssertEqual(ProgressFormat.rate(12_345), "12.3k")
        XCTAssertEqual(ProgressFormat.rate(1_250_000), "1.25M")
        XCTAssertEqual(ProgressFormat.rate(.nan), "-")
        XCTAssertEqual(ProgressFormat.metric(3.91234), "3.9123")
        XCTAssertEqual(ProgressFormat.metric(nil), "-")
    }

    func testEstimatedRemaining() {
        // 25 of 100 in 10 s → 75 more at 2.5/s = 30 s.
        XCTAssertEqual(ProgressSnapshot(completed: 25, total: 100, elapsed: 10).estimatedRemaining, 30)
        XCTAssertNil(ProgressSnapshot(completed: 0, total: 100, elapsed: 10).estimatedRemaining)
        XCTAssertEqual(ProgressSnapshot(completed: 25, total: 100, elapsed: 10, eta: 4).estimatedRemaining, 4,
                       "a given ETA wins")
    }

    func testLine() {
        let s = ProgressSnapshot(completed: 120, total: 300, elapsed: 12, metrics: [("loss", "3.9120")])
        XCTAssertEqual(ProgressFormat.line(label: "train", unit: "steps", snapshot: s, barWidth: 10),
                       "train  [====>     ]  120/300 steps   40%  loss 3.9120  0:12 elapsed, ETA 0:18")
        let done = ProgressSnapshot(completed: 3, total: 3, elapsed: 61)
        XCTAssertEqual(ProgressFormat.line(label: "gen", unit: "paths", snapshot: done, barWidth: 4),
                       "gen  [====]  3/3 paths  100%  1:01 elapsed, done")
    }
}
