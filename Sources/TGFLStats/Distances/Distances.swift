/// Distances between two one-dimensional samples (real vs synthetic returns).
///
/// Every distance here takes plain samples; `HorizonDistances` applies them to returns
/// aggregated over 1, 5, 20 and 100 days.
public enum Distances {}
