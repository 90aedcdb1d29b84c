/// SplitMix64: small, fast and fully determined by its seed, so the same
/// (seed, organization, order index) always yields the same order.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (the tiny modulo bias is irrelevant for test data).
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func chance(_ percent: Int64) -> Bool { int(0...99) < percent }

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(int(0...Int64(choices.count - 1)))] }
}

/// Builds one order from its coordinates; the catalogue decides which orders exist.
struct OrderGenerator: Sendable {
    let seed: UInt64
    let now: Int64
    /// No order starts before this instant (see `SimulatorConfiguration.earliestStart`).
    var earliestStart: Int64? = nil

    private static let names = [
        "示例科技有限公司", "Acme Cloud & Co. <Ltd>", "组织-北京研发中心", "深圳星河网络科技有限公司",
        "Globex AI Research", "O'Brien \"Quoted\" Labs", "Müller & Söhne GmbH", "杭州云端组织",
    ]
    private static let regionsCNY = ["cn-beijing", "cn-shanghai", "cn-guangzhou", "cn-hangzhou"]
    private static let regionsUSD = ["ap-singapore", "us-west-1", "eu-frankfurt", "cn-hongkong"]
    private static let models = [
        ("deepseek-ai/DeepSeek-V3", "DeepSeek-V3"), ("Qwen/Qwen3-235B-A22B", "Qwen3-235B-A22B"),
        ("moonshotai/Kimi-K2-Instruct", "Kimi K2 指令版"), ("zai-org/GLM-4.5", "智谱 GLM-4.5"),
    ]
    private static let modelSKUs: [(String, Int64, String)] = [
        ("modelverse.tokens.input", 1, "千tokens"), ("modelverse.tokens.output", 1, "千tokens"),
        ("modelverse.requests", 3, "次"),
    ]
    private static let sandboxSKUs: [(String, Int64, String)] = [
        ("sandbox.cpu.core_seconds", 11, "核·秒"), ("sandbox.gpu.seconds", 13, "卡·秒"),
    ]

    /// `start` wrapped into `[earliestStart, now)` when it falls before it: a whole number
    /// of spans later, so orders keep their spread and stay determined by their coordinates.
    private func placed(_ start: Int64) -> Int64 {
        guard let earliest = earliestStart, start < earliest else { return start }
        let span = now - earliest
        guard span > 0 else { return earliest }
        let offset = (start - earliest) % span
        return earliest + (offset < 0 ? offset + span : offset)
    }

    static func zeroPadded(_ number: Int, width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func organizationName(index: Int) -> String {
        let base = names[index % names.count]
        return index < names.count ? base : "\(base) #\(index / names.count + 1)"
    }

    /// Which currencies an organization is billed in, by its position.
    enum CurrencyMix { case cny, usd, both }

    static func currencyMix(index: Int) -> CurrencyMix {
        switch index % 4 {
        case 1: .both
        case 2: .usd
        default: .cny
        }
    }

    /// Order `number` of the organization at `index`. Every fourth order started in the
    /// last two days, the rest over the last 62, so daily and monthly windows both have data.
    func order(organizationIndex index: Int, organizationID: Int64, number: Int,
               startTime fixedStart: Int64? = nil) -> SimulatedOrder {
        var random = SplitMix64(seed: seed ^ (UInt64(organizationID) &* 0x1000_0000_01B3) ^ (UInt64(number) &* 0xC2B2_AE3D_27D4_EB4F))
        let usd: Bool
        switch Self.currencyMix(index: index) {
        case .cny: usd = false
        case .usd: usd = true
        case .both: usd = random.chance(50)
        }
        let age = number % 4 == 0 ? random.int(1...172_800) : random.int(1...62 * 86_400)
        let start = placed(fixedStart ?? (now - age))
        let sandbox = random.chance(20)
        let (sku, unit, unitDisplay) = random.pick(sandbox ? Self.sandboxSKUs : Self.modelSKUs)
        let model = sandbox ? nil : random.pick(Self.models)
        let quantity = sandbox ? random.int(60...86_400) : random.int(1...20_000)
        var listPrice = sandbox ? random.int(10...3_000) : random.int(100...16_000)
        if usd { listPrice = max(1, listPrice * 14 / 100) }
        let discountPercent: Int64? = random.chance(40) ? nil : random.pick([50, 70, 80, 90, 95])
        let discountPrice = discountPercent.map { listPrice * $0 / 100 }
        let status: (Int64, String) = random.pick([(1, "未支付"), (1, "未支付"), (5, "支付失败"), (6, "部分支付")])
        let emailUser = random.pick(["alice", "bob", "ml-team", "finance+cloud"])
        return SimulatedOrder(
            orderNo: "UO\(organizationID)" + Self.zeroPadded(number, width: 6),
            organizationID: organizationID,
            organizationName: Self.organizationName(index: index),
            resourceID: (sandbox ? "sbx-" : "mv-") + String(random.next() & 0xFFFF_FFFF_FF, radix: 16),
            resourceType: sandbox ? 2 : 1,
            modelID: model?.0, modelName: model?.1,
            productCode: sandbox ? "sandbox" : "modelverse",
            region: random.pick(usd ? Self.regionsUSD : Self.regionsCNY),
            pricingSKU: sku, pricingUnit: unit, pricingUnitDisplay: unitDisplay,
            chargeType: random.chance(90) ? 1 : 2,
            orderType: 1, orderTypeDisplay: "按量付费",
            quantity: quantity,
            listPriceMicros: listPrice,
            discountPriceMicros: discountPrice,
            originalPriceMicros: listPrice * quantity,
            totalPriceMicros: (discountPrice ?? listPrice) * quantity,
            currency: usd ? "USD" : "CNY",
            createTime: start + 3_600 + random.int(0...600),
            startTime: start, endTime: start + 3_600,
            status: status.0, statusDisplay: status.1,
            userEmail: random.chance(10) ? nil : "\(emailUser)@org\(organizationID).example.com")
    }
}
