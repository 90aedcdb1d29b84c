import UnpaidCore

/// `GetOrderAmount` from the simulator's own data: the same filters and window as the
/// export, so a correct export agrees with it unless a fault says otherwise.
enum OrderAmountAnswer {
    static func answer(_ request: UnpaidOrdersRequest, services: SimulatorServices) async -> BillingAPIHandler.APIOutcome {
        let state = services.state
        if await state.fire(.refuseAmount, on: .api) { return .failure(161, "unknown Action GetOrderAmount") }
        let window = request.filter.window
        guard window.end - window.start <= 366 * 86_400 else {
            return .failure(230, "parameter EndTime: the span must not exceed 366 days")
        }
        let orders = services.catalog.orders(matching: request.filter, phase: await state.phase,
                                             arrivals: await state.arrivals)
        var count = orders.count
        // Summed across currencies: the API has no per-currency split.
        var amount = orders.reduce(Money.zero) { $0 + $1.totalPrice }
        if await state.fire(.amountDisagree, on: .api) {
            count += 1
            amount += Money(units: 1, scale: 0)
        }
        // Trailing zeros dropped: the text differs from the export's six decimals, the value does not.
        let unpaid = amount.normalized.description
        return .success([
            "UnpaidCount": count, "UnpaidAmount": unpaid,
            "OrderCount": count, "TotalOrderAmount": unpaid,
            "PaidCount": 0, "PaidAmount": "0",
            "CashAmount": unpaid, "BonusAmount": "0", "CouponAmount": "0", "StarCardAmount": "0",
        ])
    }
}
