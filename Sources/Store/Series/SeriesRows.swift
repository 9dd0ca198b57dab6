import SQLiteDatabase

/// Reading stored rows back: rollup rows (`bucket, count, sum, min, max, last, increase,
/// live`) and the value a series held at a moment.
enum SeriesRows {
    /// The value `series` held just before `time` according to `tier`: its latest change
    /// (raw) or its latest bucket's last value; nil if it had ended or had none.
    static func held(_ connection: SQLiteConnection, _ series: Int64, in tier: RollupTier, before time: Int64) throws -> Double? {
        let statement = try connection.statement(
            tier == .raw
                ? "SELECT value, 1 FROM samples WHERE series_id = ?1 AND ts < ?2 ORDER BY ts DESC LIMIT 1"
                : "SELECT last, live FROM \(tier.table) WHERE series_id = ?1 AND bucket < ?2 ORDER BY bucket DESC LIMIT 1")
        statement.bind(1, series)
        statement.bind(2, time)
        defer { statement.reset() }
        return try statement.step() && statement.int(1) != 0 ? statement.optionalDouble(0) : nil
    }

    /// When `group` was polled in [from, to), epoch seconds, ascending.
    static func pollTimes(_ connection: SQLiteConnection, _ group: String, from: Int64, to: Int64) throws -> [Int64] {
        let statement = try connection.statement("SELECT ts FROM polls WHERE ts >= ?1 AND ts < ?2 AND grp = ?3 ORDER BY ts")
        try statement.bind(.integer(from), .integer(to), .text(group))
        defer { statement.reset() }
        var result: [Int64] = []
        while try statement.step() { result.append(statement.int(0)) }
        return result
    }

    /// The row at columns `offset…offset+7` of `statement` as an entry: no values when the
    /// series was live at none of the bucket's polls, nothing held after it once it ended.
    static func entry(_ statement: SQLiteStatement, offset: Int32) -> HeldValues.Entry {
        let count = statement.int(offset + 1)
        let last = statement.double(offset + 5)
        let values =
            count > 0
            ? RollupBucket(
                count: count, sum: statement.double(offset + 2), min: statement.double(offset + 3),
                max: statement.double(offset + 4), last: last,
                increase: statement.optionalDouble(offset + 6)) : nil
        return HeldValues.Entry(
            start: statement.int(offset), values: values, stored: true,
            held: statement.int(offset + 7) != 0 ? last : nil)
    }
}
