/// One stored order interval as the chain and `verify` read it: a view of a row's bytes
/// that is valid only while a backend's walk visits the row, so that a million intervals
/// are read without a String or an Array each.
package struct IntervalFields {
    /// `closed_by_snapshot_id` of an interval that is still open (see the schemas).
    package static let open = Int64.max

    package var orderNo: UnsafeBufferPointer<UInt8>
    package var currency: UnsafeBufferPointer<UInt8>
    package var amountText: UnsafeBufferPointer<UInt8>
    package var startTime: Int64?
    package var productCode: UnsafeBufferPointer<UInt8>?
    package var resourceID: UnsafeBufferPointer<UInt8>?
    package var modelID: UnsafeBufferPointer<UInt8>?
    package var firstSnapshotID: Int64
    package var closedBy: Int64

    package init(orderNo: UnsafeBufferPointer<UInt8>, currency: UnsafeBufferPointer<UInt8>,
                 amountText: UnsafeBufferPointer<UInt8>, startTime: Int64?,
                 productCode: UnsafeBufferPointer<UInt8>?, resourceID: UnsafeBufferPointer<UInt8>?,
                 modelID: UnsafeBufferPointer<UInt8>?, firstSnapshotID: Int64, closedBy: Int64) {
        self.orderNo = orderNo
        self.currency = currency
        self.amountText = amountText
        self.startTime = startTime
        self.productCode = productCode
        self.resourceID = resourceID
        self.modelID = modelID
        self.firstSnapshotID = firstSnapshotID
        self.closedBy = closedBy
    }

    package var isOpen: Bool { closedBy == Self.open }

    package func feed(_ digest: inout IntervalDigest) {
        digest.add(orderNo: orderNo, currency: currency, amountText: amountText, startTime: startTime,
                   productCode: productCode, resourceID: resourceID, modelID: modelID,
                   firstSnapshotID: firstSnapshotID)
    }
}
