/// The mutable part of the simulator: data phase, clock offset, armed faults, counters.
actor SimulatorState {
    private(set) var phase = 1
    /// The bound port, set once listening: presigned URLs point back at it.
    private(set) var port = 0
    private(set) var clockOffset: Int64 = 0
    private var armed: [FaultKey: Int] = [:]
    private(set) var counters = SimulatorCounters()
    /// Orders that arrived outside the phase story, per organization (`moves-during-export`).
    private(set) var arrivals: [Int64: Int] = [:]

    private struct FaultKey: Hashable {
        var fault: SimulatorFault
        var target: FaultTarget
    }

    /// Organizations whose exports the API refuses until they are brought back.
    private(set) var organizationsDown: Set<Int64> = []

    func setPhase(_ newPhase: Int) { phase = newPhase }

    func setOrganization(_ id: Int64, down: Bool) {
        if down { organizationsDown.insert(id) } else { organizationsDown.remove(id) }
    }

    func setPort(_ bound: Int) { port = bound }

    func addArrival(organizationIDs: [Int64]) {
        for id in organizationIDs { arrivals[id, default: 0] += 1 }
    }

    func advanceClock(by seconds: Int64) { clockOffset += seconds }

    func arm(_ fault: SimulatorFault, count: Int, target: FaultTarget) {
        let key = FaultKey(fault: fault, target: target)
        armed[key] = count > 0 ? count : nil
    }

    /// Consumes one arming of `fault` on `target` if any is left; true if it fires now.
    func fire(_ fault: SimulatorFault, on target: FaultTarget) -> Bool {
        let key = FaultKey(fault: fault, target: target)
        guard let remaining = armed[key], remaining > 0 else { return false }
        armed[key] = remaining > 1 ? remaining - 1 : nil
        counters.faultsFired[fault.rawValue, default: 0] += 1
        return true
    }

    var armedFaults: [String: Int] {
        Dictionary(uniqueKeysWithValues: armed.map { ("\($0.key.fault.rawValue)@\($0.key.target.rawValue)", $0.value) })
    }

    func recordAPICall(action: String) { counters.apiCalls[action, default: 0] += 1 }
    func recordRetCode(_ code: Int) { counters.apiRetCodes[String(code), default: 0] += 1 }
    func recordDownload(served: Bool) {
        counters.downloads += 1
        if served { counters.downloadsServed += 1 }
    }
}
