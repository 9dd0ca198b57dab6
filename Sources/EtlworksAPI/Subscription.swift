import Foundation

/// The tenant's subscription (`GET /v1/billing/subscription`; shape assumed). Every field is
/// optional: an answer that lacks one simply exports fewer series.
public struct Subscription: Sendable, Equatable {
    public var tier: String?
    public var status: String?
    public var seatsTotal: Int64?
    public var seatsUsed: Int64?
    /// Billing period bounds, epoch ms.
    public var periodStart: Int64?
    public var periodEnd: Int64?
    /// Plan maximums of records processed.
    public var monthlyAllowance: Int64?
    public var dailyAllowance: Int64?
    /// Records processed in the current period and today.
    public var monthUsed: Int64?
    public var todayUsed: Int64?
    /// The answer's top-level keys when it had none of the expected fields.
    public var unrecognizedKeys: String?

    public init(
        tier: String? = nil, status: String? = nil, seatsTotal: Int64? = nil, seatsUsed: Int64? = nil,
        periodStart: Int64? = nil, periodEnd: Int64? = nil, monthlyAllowance: Int64? = nil,
        dailyAllowance: Int64? = nil, monthUsed: Int64? = nil, todayUsed: Int64? = nil
    ) {
        self.tier = tier
        self.status = status
        self.seatsTotal = seatsTotal
        self.seatsUsed = seatsUsed
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.monthlyAllowance = monthlyAllowance
        self.dailyAllowance = dailyAllowance
        self.monthUsed = monthUsed
        self.todayUsed = todayUsed
    }

    /// Decodes the subscription; throws only when the answer is not a JSON object.
    public static func decode(_ data: Data) throws -> Subscription {
        let json = try JSONValue.parse(data)
        guard json.isObject else { throw APIDecodingError.unexpectedShape(expected: "a subscription object") }
        var subscription = Subscription(
            tier: json["tier"]?.string,
            status: json["status"]?.string,
            seatsTotal: json["seats"]?["total"]?.int64,
            seatsUsed: json["seats"]?["used"]?.int64,
            periodStart: Timestamp.epochMilliseconds(json["period"]?["start"]),
            periodEnd: Timestamp.epochMilliseconds(json["period"]?["end"]),
            monthlyAllowance: json["allowance"]?["monthlyRecords"]?.int64,
            dailyAllowance: json["allowance"]?["dailyRecords"]?.int64,
            monthUsed: json["usage"]?["monthRecords"]?.int64,
            todayUsed: json["usage"]?["todayRecords"]?.int64)
        subscription.unrecognizedKeys = json.unrecognizedKeys(expected: [
            "tier", "status", "seats", "period", "allowance", "usage"
        ])
        return subscription
    }
}
