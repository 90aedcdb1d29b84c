/// The largest message a chat robot accepts, measured the way that platform measures it.
///
/// A robot refuses a message over its limit (WeCom answers errcode 40058, Feishu 9499),
/// and a refused alert is a lost alert: every chat message is cut to fit before it is sent.
public struct ChatMessageCap: Sendable, Hashable {
    public enum Measure: Sendable, Hashable {
        /// UTF-8 bytes of the message text (WeCom, DingTalk): one Chinese character is three.
        case textUTF8Bytes
        /// Characters of the message text, counted as UTF-16 code units, as Slack's
        /// clients count them: an emoji outside the BMP counts twice, never less than Slack does.
        case textUTF16Units
        /// UTF-8 bytes of the whole JSON request body, escapes and signature included (Feishu).
        case requestBodyBytes
    }

    public var limit: Int
    public var measure: Measure

    public init(limit: Int, measure: Measure) {
        self.limit = limit
        self.measure = measure
    }

    /// The size of `text` as this cap counts it; `body` is the request carrying it,
    /// asked for only when the whole body is what counts.
    func size(of text: String, body: (String) -> [UInt8]?) -> Int {
        switch measure {
        case .textUTF8Bytes: text.utf8.count
        case .textUTF16Units: text.utf16.count
        case .requestBodyBytes: body(text)?.count ?? Int.max
        }
    }
}

extension WebhookFormat {
    /// What each platform documents, rounded down: WeCom text 2048 bytes; DingTalk
    /// 20,000 (counted in bytes, the stricter reading); Slack 40,000 characters; Feishu's
    /// request body 20 KB by its custom-bot page (30 KB by other accounts: the lower
    /// one is used). The machine formats carry structured data and have no cap.
    public var messageCap: ChatMessageCap? {
        switch self {
        case .wecom: ChatMessageCap(limit: 2048, measure: .textUTF8Bytes)
        case .dingtalk: ChatMessageCap(limit: 20_000, measure: .textUTF8Bytes)
        case .slack: ChatMessageCap(limit: 40_000, measure: .textUTF16Units)
        case .feishu: ChatMessageCap(limit: 20_000, measure: .requestBodyBytes)
        case .standard, .alertmanager: nil
        }
    }
}

/// Cuts a chat message to a cap: whole lines from the top, then "… and N more" naming
/// how many lines were left out, so a reader knows the list goes on.
public enum ChatTextFitting {
    public static func marker(dropped: Int) -> String { "… and \(dropped) more" }

    /// `text` itself when it fits; otherwise its longest run of leading lines that fits
    /// with the marker after it. Only when not even the first line fits is that line
    /// shortened, at a character boundary (never inside a UTF-8 sequence), ending in "…".
    /// `fits` must grow monotonically with the text, as every `ChatMessageCap` measure does.
    public static func fit(_ text: String, fits: (String) -> Bool) -> String {
        if fits(text) { return text }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func keeping(_ count: Int) -> String {
            (lines[..<count] + [Substring(marker(dropped: lines.count - count))]).joined(separator: "\n")
        }
        if let kept = largest(in: 1..<lines.count, where: { fits(keeping($0)) }) {
            return keeping(kept)
        }
        let rest = lines.count > 1 ? "\n" + marker(dropped: lines.count - 1) : ""
        let first = Array(lines[0])
        func shortened(_ count: Int) -> String { String(first[..<count]) + "…" + rest }
        let kept = largest(in: 0..<first.count, where: { fits(shortened($0)) }) ?? 0
        return shortened(kept)
    }

    /// The largest value of `range` satisfying a predicate that holds up to some point
    /// and fails after it; nil when it holds nowhere.
    private static func largest(in range: Range<Int>, where holds: (Int) -> Bool) -> Int? {
        var low = range.lowerBound, high = range.upperBound, found: Int?
        while low < high {
            let middle = low + (high - low) / 2
            if holds(middle) {
                found = middle
                low = middle + 1
            } else {
                high = middle
            }
        }
        return found
    }
}
