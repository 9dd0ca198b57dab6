/// Reading rollup rows (`bucket, count, sum, min, max, last, increase, live`) back.
enum SeriesRows {
    /// The row at columns `offset…offset+7` of `statement` as an entry: no values when the
    /// series was live at none of the bucket's polls, nothing held after it once it ended.
    static func entry(_ statement: SQLiteStatement, offset: Int32) -> HeldValues.Entry {
        let count = statement.int(offset + 1)
        let last = statement.double(offset + 5)
        let values = count > 0 ? RollupBucket(count: count, sum: statement.double(offset + 2), min: statement.double(offset + 3),
                                              max: statement.double(offset + 4), last: last,
                                              increase: statement.optionalDouble(offset + 6)) : nil
        return HeldValues.Entry(start: statement.int(offset), values: values, stored: true,
                                held: statement.int(offset + 7) != 0 ? last : nil)
    }
}
