/// The least Etlworks role each endpoint needs, from the vendor's documents: the Reporting
/// API needs an Administrator, flow and schedule management an Editor, flow status an
/// Operator. Named in errors so that a refusal says which role to give the key.
public enum EndpointRole {
    public static func required(for endpoint: String) -> String? {
        switch endpoint {
        case "/v1/metrics/executions", "/v1/metrics/executions/summary", "/v1/billing/subscription":
            return "Administrator"
        case "/v1/flows", "/v1/schedules", "/v1/agents":
            return "Editor or Administrator"
        case let path where path.hasPrefix("/v1/executions/"):
            return "Operator, Editor or Administrator"
        default:
            return nil
        }
    }
}
