import OrderSpill

/// `compareOrders`' tally: counts both sides and keeps the first differences, as a
/// backend's walk meets the file's orders and the recorded intervals side by side.
package struct OrderComparisonBuilder {
    let limit: Int
    package private(set) var result = OrderComparison()

    package init(limit: Int) {
        self.limit = limit
    }

    package mutating func readOnly(_ order: OrderRecord) {
        result.readCount += 1
        note("order", order.orderNo, recorded: nil, read: order.orderNo)
    }

    package mutating func recordedOnly(_ interval: IntervalFields) {
        result.recordedCount += 1
        note("order", interval.orderNo, recorded: interval.orderNo, read: nil)
    }

    package mutating func compare(_ order: OrderRecord, _ interval: IntervalFields) {
        result.readCount += 1
        result.recordedCount += 1
        let orderNo = order.orderNo
        if !ByteOrder.equal(order.currency, interval.currency) {
            note("currency", orderNo, recorded: interval.currency, read: order.currency)
        }
        order.amount.withDecimalText { amountText in
            if !ByteOrder.equal(amountText, interval.amountText) {
                note("amount", orderNo, recorded: interval.amountText, read: amountText)
            }
        }
        if order.startTime != interval.startTime {
            result.differenceCount += 1
            if result.differences.count < limit {
                result.differences.append(OrderDifference(
                    field: "start_time", orderNo: String(decoding: orderNo, as: UTF8.self),
                    recorded: interval.startTime.map(String.init), read: order.startTime.map(String.init)))
            }
        }
        for (field, read, recorded) in [("product_code", order.productCode, interval.productCode),
                                        ("resource_id", order.resourceID, interval.resourceID),
                                        ("model_id", order.modelID, interval.modelID)]
        where !ByteOrder.equal(read, recorded) {
            note(field, orderNo, recorded: recorded, read: read)
        }
    }

    private mutating func note(_ field: String, _ orderNo: UnsafeBufferPointer<UInt8>,
                               recorded: UnsafeBufferPointer<UInt8>?, read: UnsafeBufferPointer<UInt8>?) {
        result.differenceCount += 1
        guard result.differences.count < limit else { return }
        func text(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
        result.differences.append(OrderDifference(field: field, orderNo: text(orderNo)!, recorded: text(recorded),
                                                  read: text(read)))
    }
}
