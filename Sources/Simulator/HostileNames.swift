/// Flow and agent names that break naive exporters: quotes, backslashes, newlines, braces,
/// label-like syntax, non-Latin scripts, emoji, control characters and very long text.
enum HostileNames {
    static let templates: [String] = [
        #"orders "daily" load"#,
        // Regex metacharacters: a dashboard that puts the chosen name into `=~` unescaped finds nothing.
        "a(b)+[c]? .*",
        #"C:\etl\new\table \"quoted\""#,
        "multi\nline\nflow",
        #"flow{status="success"} 1"#,
        "Zahlungen → Ü𝔘𝔫𝔦𝔠𝔬𝔡𝔢 数据 🚀",
        "tab\tand\rcarriage",
        "# HELP fake injected",
        "trailing backslash \\",
        String(repeating: "long-name-", count: 32),
        "",
        "   ",
        "emoji 👩‍👩‍👧‍👦 family",
        "null\u{0}byte",
        "line\u{2028}separator"
    ]
}
