import Foundation
import Testing
import UnpaidCore
@testable import Webhooks

@Suite struct ChatMessageCapTests {
    static let chatTargets = [
        WebhookTarget(name: "w", format: .wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"),
        WebhookTarget(name: "d", format: .dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=T",
                      secret: "SECtest"),
        WebhookTarget(name: "s", format: .slack, url: "https://hooks.slack.com/services/T/B/X"),
        WebhookTarget(name: "f", format: .feishu, url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
                      secret: "test-secret"),
    ]

    /// Thousands of orders whose numbers are Chinese (three UTF-8 bytes a character) and
    /// carry characters JSON must escape, so every measure is pushed past its limit.
    func crowdedNotification(orders: Int) -> AlertNotification {
        var notification = sampleNotification()
        notification.highlightedOrders = (0..<orders).map { index in
            OrderAmount(orderNo: "订单\"编号\\\(index)-云主机续费", amount: try! Money("\(1_000_000 - index).25"))
        }
        return notification
    }

    func sentText(_ request: WebhookRequest, format: WebhookFormat) throws -> String {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        switch format {
        case .slack: return try #require(body["text"] as? String)
        case .feishu: return try #require((body["content"] as? [String: String])?["text"])
        default: return try #require((body["text"] as? [String: String])?["content"])
        }
    }

    func size(_ text: String, _ request: WebhookRequest, cap: ChatMessageCap) -> Int {
        switch cap.measure {
        case .textUTF8Bytes: text.utf8.count
        case .textUTF16Units: text.utf16.count
        case .requestBodyBytes: request.body.count
        }
    }

    @Test(arguments: chatTargets)
    func aHugeAlertStaysUnderTheCapKeepingWholeLinesAndSayingHowManyAreLeftOut(_ target: WebhookTarget) throws {
        let notification = crowdedNotification(orders: 3000)
        let full = AlertMessageText.render(notification).split(separator: "\n", omittingEmptySubsequences: false)
        let cap = try #require(target.format.messageCap)
        let request = try WebhookFormatter.request(for: notification, to: target, now: 1_700_000_000)
        let text = try sentText(request, format: target.format)

        #expect(size(text, request, cap: cap) <= cap.limit)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.dropLast()
        #expect(lines.last == Substring(ChatTextFitting.marker(dropped: full.count - kept.count)))
        #expect(Array(kept) == Array(full.prefix(kept.count)), "every kept line is a whole line of the alert")
        #expect(kept.first?.hasPrefix("[FIRING] unpaid-growth · org 42") == true)
        // Nearly all of the room is used: at most one more line would have overflowed.
        #expect(size(text, request, cap: cap) + full[kept.count].utf8.count * 2 > cap.limit)
    }

    @Test func weComCountsUTF8BytesSoChineseTextTakesThreeEach() async throws {
        let target = Self.chatTargets[0]
        var notification = sampleNotification()
        notification.highlightedOrders = (0..<400).map {
            OrderAmount(orderNo: "华东区域云服务器\($0)", amount: try! Money("10.00"))
        }
        let text = try sentText(WebhookFormatter.request(for: notification, to: target, now: 0), format: .wecom)
        #expect(text.utf8.count <= 2048)
        #expect(text.count < 2048, "well under 2048 characters, since each Chinese character is three bytes")
        #expect(text.hasSuffix(" more"))
    }

    @Test func aMessageThatFitsIsSentWhole() async throws {
        for target in Self.chatTargets {
            let request = try WebhookFormatter.request(for: sampleNotification(), to: target, now: 0)
            #expect(try sentText(request, format: target.format) == AlertMessageText.render(sampleNotification()))
        }
    }

    @Test func aFirstLineTooLongAloneIsShortenedAtACharacterBoundary() async throws {
        let text = String(repeating: "欠费", count: 100) + "\nsecond\nthird"
        let fitted = ChatTextFitting.fit(text) { $0.utf8.count <= 100 }
        #expect(fitted.utf8.count <= 100)
        let lines = fitted.split(separator: "\n")
        #expect(lines.count == 2 && lines[1] == "… and 2 more")
        #expect(lines[0].hasSuffix("…") && lines[0].dropLast().allSatisfy { $0 == "欠" || $0 == "费" })
        // Decoding the bytes back gives the same text: no UTF-8 sequence was split.
        #expect(String(decoding: Array(fitted.utf8), as: UTF8.self) == fitted)
    }

    @Test func cutsAtTheLastWholeLineThatFitsWithTheMarker() {
        let text = (1...10).map { "line \($0)" }.joined(separator: "\n")
        let limit = "line 1\nline 2\nline 3\n… and 7 more".utf8.count
        #expect(ChatTextFitting.fit(text) { $0.utf8.count <= limit } == "line 1\nline 2\nline 3\n… and 7 more")
        #expect(ChatTextFitting.fit(text) { $0.utf8.count <= limit - 1 } == "line 1\nline 2\n… and 8 more")
    }

    @Test func feishuCountsTheWholeEscapedBody() async throws {
        let target = Self.chatTargets[3]
        var notification = sampleNotification()
        // Quotes and backslashes double when escaped: the text alone would look far smaller.
        notification.highlightedOrders = (0..<2000).map { OrderAmount(orderNo: "\"\\\"\\\($0)", amount: try! Money("1.00")) }
        let request = try WebhookFormatter.request(for: notification, to: target, now: 1_700_000_000)
        #expect(request.body.count <= 20_000)
        let text = try sentText(request, format: .feishu)
        #expect(text.utf8.count < 15_000)
        #expect(text.hasSuffix(" more"))
    }
}
