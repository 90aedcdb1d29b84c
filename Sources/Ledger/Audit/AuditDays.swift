/// Ages in whole days of 24 hours, rounded down, so an order billed an hour ago is 0
/// days old and one billed an hour ahead is -1.
package enum AuditDays {
    package static func between(start: Int64, moment: Int64) -> Int64 {
        let seconds = moment - start
        return seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
    }
}
