import CBLAS

/// The process-wide OpenBLAS set-up every model shares.
///
/// OpenBLAS runs single-threaded: the ops split their work into fixed parts themselves
/// (`Parallel`), which keeps results independent of the thread count. OpenBLAS picks its
/// kernels for the CPU at start-up; the environment variable `OPENBLAS_CORETYPE` (e.g.
/// `Haswell`, `SkylakeX`) overrides that pick, and `coreName` reports the result.
public enum BLASRuntime {
    private static let configured: Void = { tgfl_blas_set_threads(1) }()

    /// Applies the set-up once per process (later calls do nothing). Models call it when
    /// they are created; call it yourself before using OpenBLAS directly.
    public static func configure() { _ = configured }

    /// The OpenBLAS kernel set in use, e.g. "Cooperlake" or "Haswell".
    public static var coreName: String {
        configure()
        return String(cString: tgfl_blas_core_name())
    }
}
