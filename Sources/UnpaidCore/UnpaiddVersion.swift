/// The release, as `unpaidd --version`, the API client's User-Agent and the metrics'
/// `unpaidd_build_info` show it.
public enum UnpaiddVersion {
    public static let current = "0.1.0"
}
