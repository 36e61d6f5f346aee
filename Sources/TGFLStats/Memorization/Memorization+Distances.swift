extension Memorization {
    /// The nearest-neighbour distances behind `score(generated:training:heldOut:options:)`,
    /// for plotting (the report's memorization chart draws both distributions).
    public struct Distances: Sendable, Equatable {
        /// Window length `w`.
        public var windowLength: Int
        /// Training windows searched (after subsampling).
        public var trainingCount: Int
        /// d(g) for each generated window used (after subsampling), in subsample order.
        public var generated: [Double]
        /// d(h) for each held-out window used (after subsampling), in subsample order.
        public var heldOut: [Double]
    }

    /// The Euclidean distance of each generated and each held-out window to its nearest
    /// training window, with the subsampling of `score` (same seed, same subsamples).
    ///
    /// ```
    /// d(x) = min_{t ∈ training} ‖s(x) − s(t)‖₂,   s = options.windowScaling (default x / rms(x))
    /// ```
    /// - Parameters: as `score(generated:training:heldOut:options:)`.
    /// - Returns: both sets of distances.
    /// - Throws: as `score(generated:training:heldOut:options:)`.
    public static func nearestDistances(generated: [[Double]], training: [[Double]], heldOut: [[Double]],
                                        options: MemorizationOptions = MemorizationOptions()) throws -> Distances {
        guard options.maxQueries >= 1, options.maxReferences >= 1 else {
            throw StatsError.invalidParameter("maxQueries and maxReferences must be at least 1")
        }
        guard let first = training.first else { throw StatsError.emptyInput("training (no windows)") }
        let w = first.count
        guard w >= 1 else { throw StatsError.emptyInput("training[0]") }
        try checkWindows(training, "training", length: w)
        try checkWindows(generated, "generated", length: w)
        try checkWindows(heldOut, "heldOut", length: w)

        let scale = options.windowScaling.apply
        let gen = subsample(generated, cap: options.maxQueries, seed: options.seed, stream: 10).map(scale)
        let ho = subsample(heldOut, cap: options.maxQueries, seed: options.seed, stream: 11).map(scale)
        let tr = subsample(training, cap: options.maxReferences, seed: options.seed, stream: 12).map(scale)
        let index = NearestNeighbourIndex(tr, dimension: w)
        return Distances(windowLength: w, trainingCount: tr.count,
                         generated: index.distances(gen), heldOut: index.distances(ho))
    }
}
