/// TGFLStats: statistical evaluation of real and synthetic return series.
/// It depends on nothing of the model: inputs are plain `[Double]` arrays.
public enum TGFLStatsInfo {
    public static let version = "0.1.0"
}
