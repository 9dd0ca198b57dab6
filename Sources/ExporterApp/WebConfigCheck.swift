import ExporterBase
import ExporterConfiguration
import WebSecurity

/// `web.config_file` read and checked beside the rest of the configuration: its problems
/// are configuration errors (the daemon does not start, `check-config` lists them), its
/// warnings are printed. Done here, in the app, because the web configuration belongs to the
/// server: the configuration target names the file without importing the web stack.
public enum WebConfigCheck {
    /// `loaded` with the web configuration's problems added, and its warnings.
    public static func checked(
        _ loaded: Result<ExporterConfig, ConfigErrors>
    ) -> (config: Result<ExporterConfig, ConfigErrors>, warnings: [String]) {
        guard case .success(let config) = loaded, let file = config.web.configFile else { return (loaded, []) }
        do {
            return (loaded, try WebConfig.load(path: file).warnings)
        } catch {
            return (.failure(error), [])
        }
    }
}
