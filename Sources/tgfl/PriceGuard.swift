import ArgumentParser
import TGFLCore

/// `--allow-prices`: the command refuses series that look like prices rather than daily log
/// returns (`DataSanity.pricesWarning`, e.g. a close column read with `--returns-column`), where
/// the library would only warn.
struct PriceGuardOptions: ParsableArguments {
    @Flag(name: .customLong("allow-prices"), help: ArgumentHelp(
        "Train even when a series looks like prices rather than daily log returns (all positive, "
        + "strongly autocorrelated); by default the command refuses it."))
    var allowPrices = false

    /// Throws `CommandFailure` naming the source when `series` looks like prices and
    /// `--allow-prices` is not given.
    func check(_ series: ReturnSeries, source: String) throws {
        guard !allowPrices, let message = DataSanity.pricesWarning(values: series.values, series: series.name) else {
            return
        }
        // The library's message already names the switch (allow_prices / --allow-prices).
        throw CommandFailure("\(source): \(message); prices are read with --column, which computes the returns")
    }
}
