import UnpaidCore

/// Inline SVG charts: no script, no external asset, sized in the page's own units so
/// they print. Positions are plotted with `Double`; every amount shown as text is exact.
enum SVGCharts {
    /// Unpaid total over time: one point per snapshot, first and last dates under the axis.
    static func totals(_ points: [(label: String, total: Money)], currency: String) -> String {
        let width = 520.0, height = 150.0, left = 8.0, right = 8.0, top = 14.0, bottom = 22.0
        guard !points.isEmpty else { return "" }
        let values = points.map { Double($0.total.description) ?? 0 }
        let high = max(values.max() ?? 0, 0), low = min(values.min() ?? 0, 0)
        let span = high - low == 0 ? 1 : high - low
        func x(_ index: Int) -> Double {
            points.count == 1 ? left + (width - left - right) / 2
                : left + Double(index) * (width - left - right) / Double(points.count - 1)
        }
        func y(_ value: Double) -> Double { top + (high - value) / span * (height - top - bottom) }
        let line = values.enumerated().map { "\(format(x($0.offset))),\(format(y($0.element)))" }.joined(separator: " ")
        let maximum = points.max { $0.total < $1.total }!.total
        var svg = """
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="Unpaid \(HTMLText.escaped(currency)) total over time">
            <line x1="\(left)" y1="\(format(y(0)))" x2="\(width - right)" y2="\(format(y(0)))" class="axis"/>
            <polyline points="\(line)" class="series"/>
            """
        for (index, value) in values.enumerated() where points.count <= 120 {
            svg += "<circle cx=\"\(format(x(index)))\" cy=\"\(format(y(value)))\" r=\"2\" class=\"series-point\"/>"
        }
        svg += """
            <text x="\(left)" y="10" class="label">max \(HTMLText.escaped(maximum.description)) \(HTMLText.escaped(currency))</text>
            <text x="\(left)" y="\(height - 6)" class="label">\(HTMLText.escaped(points.first!.label))</text>
            <text x="\(width - right)" y="\(height - 6)" class="label end">\(HTMLText.escaped(points.last!.label))</text>
            </svg>
            """
        return svg
    }

    /// Horizontal bars, one per bucket, each labelled with its exact amount.
    static func bars(_ bars: [(label: String, amount: Money)], currency: String) -> String {
        let rowHeight = 18.0, labelWidth = 110.0, width = 520.0, amountWidth = 150.0
        let values = bars.map { max(Double($0.amount.description) ?? 0, 0) }
        let largest = max(values.max() ?? 0, 1e-12)
        var svg = """
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(Double(bars.count) * rowHeight + 4))" role="img" \
            aria-label="Unpaid \(HTMLText.escaped(currency)) by age">
            """
        for (index, bar) in bars.enumerated() {
            let top = Double(index) * rowHeight + 2
            let length = values[index] / largest * (width - labelWidth - amountWidth)
            svg += """
                <text x="0" y="\(format(top + 12))" class="label">\(HTMLText.escaped(bar.label))</text>
                <rect x="\(labelWidth)" y="\(format(top + 2))" width="\(format(length))" height="\(rowHeight - 6)" class="bar"/>
                <text x="\(format(labelWidth + length + 4))" y="\(format(top + 12))" class="label">\(HTMLText.escaped(bar.amount.description))</text>
                """
        }
        return svg + "</svg>"
    }

    private static func format(_ value: Double) -> String {
        String((value * 10).rounded() / 10)
    }
}
