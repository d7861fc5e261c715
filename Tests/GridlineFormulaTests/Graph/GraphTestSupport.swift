import GridlineFormula

/// `"B12"` as a cell: test shorthand, letters then digits, no `$`.
func cell(_ a1: String) -> SheetCell {
    var column: Int32 = 0
    var row: Int32 = 0
    for scalar in a1.unicodeScalars {
        if scalar.properties.isAlphabetic {
            column = column * 26 + Int32(scalar.value - 64)
        } else {
            row = row * 10 + Int32(scalar.value - 48)
        }
    }
    return SheetCell(column: column, row: row)
}

/// `"A1:B10"` as a rectangle.
func rect(_ a1: String) -> SheetRect {
    let corners = a1.split(separator: ":").map { cell(String($0)) }
    return SheetRect(corners[0], corners[1])
}

/// A whole column, as the parser hands it over (`A:A` is rows 1…maxRow).
func wholeColumn(_ column: Int32) -> SheetRect {
    SheetRect(top: 1, left: column, bottom: SheetLimits.maxRow, right: column)
}

extension DependencyGraph {
    /// Test shorthand: `set("C1", "A1", "B1", ranges: "D1:D5")`.
    mutating func set(_ target: String, _ cells: String..., ranges: String...) {
        setFormula(at: cell(target), cells: cells.map(cell), ranges: ranges.map(rect))
    }

    mutating func plan(_ changed: String...) -> RecalcPlan {
        plan(changed: changed.map(cell))
    }

    /// Every step of a recalculation that treats every cell as changed except `unchanged`.
    mutating func steps(_ changed: [SheetCell], unchanged: Set<SheetCell> = []) -> [Recalculation.Step] {
        var recalculation = recalculation(changed: changed)
        var steps: [Recalculation.Step] = []
        while let step = recalculation.next() {
            steps.append(step)
            if unchanged.contains(step.cell) { recalculation.markUnchanged() }
        }
        return steps
    }
}
