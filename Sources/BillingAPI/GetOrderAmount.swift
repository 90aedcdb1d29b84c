import UnpaidCore

extension BillingAPIClient {
    /// The longest window `GetOrderAmount` accepts.
    public static let orderAmountMaxSpanSeconds: Int64 = 366 * 86_400

    /// `GetOrderAmount` for exactly the filters and window of an export, signed, paced and
    /// retried like every call: the unpaid count and exact amount, across currencies.
    public func getOrderAmount(_ query: UnpaidOrdersQuery) async throws(BillingAPIError) -> AmountAnswer {
        try query.validate()
        guard query.window.end - query.window.start <= Self.orderAmountMaxSpanSeconds else {
            throw .invalidParameter(name: "EndTime", reason: "GetOrderAmount covers at most 366 days")
        }
        let answer = try await exchange(action: "GetOrderAmount", parameters: query.parameters)
        let (envelope, uuid) = (answer.envelope, answer.requestUUID)
        guard let count = envelope.integer("UnpaidCount"), count >= 0 else {
            throw .malformedResponse("UnpaidCount is missing or not a count", requestUUID: uuid)
        }
        // A decimal string by the SDKs; an integer is exact too. A JSON fraction is not, so it is refused.
        let amountText = envelope.string("UnpaidAmount") ?? envelope.integer("UnpaidAmount").map(String.init)
        guard let amountText, let amount = try? Money(amountText) else {
            throw .malformedResponse("UnpaidAmount is missing or not a decimal string", requestUUID: uuid)
        }
        return AmountAnswer(count: count, amount: amount, requestID: uuid)
    }
}

extension BillingAPIError {
    /// The API does not offer the action (RetCode 161): no retry or wait will change that.
    public var isUnknownAction: Bool {
        if case .api(let failure, _) = self { return failure.retCode == 161 }
        return false
    }

    public var requestUUID: String? {
        switch self {
        case .api(let failure, _): failure.requestUUID
        case .httpStatus(_, let uuid, _), .malformedResponse(_, let uuid): uuid
        default: nil
        }
    }
}
