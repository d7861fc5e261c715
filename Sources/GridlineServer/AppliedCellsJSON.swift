import GridlineJSON
import GridlineStore

/// A `cells_updated` message's `cells` array written straight into bytes: a recalculation can
/// carry thousands of cells, and building a `JSONValue` tree for each (parsing its value text
/// back first) cost more on the loop thread than the rest of the broadcast.
enum AppliedCellsJSON {
    /// `[{cell_id, value, formula, error, version, seq}, …]`, members in the order
    /// `CellService.appliedCellJSON` gives them. A cell's value is copied as it is: an applied
    /// cell's value text is JSON this server serialized itself (from the request or the
    /// formula's result), never text read back from elsewhere.
    static func append(_ cells: [AppliedCell], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + cells.count * 112)
        out.append(UInt8(ascii: "["))
        for (index, cell) in cells.enumerated() {
            JSONWriter.appendLiteral(index == 0 ? "{\"cell_id\":" : ",{\"cell_id\":", to: &out)
            JSONWriter.appendString(cell.cellId, to: &out)
            JSONWriter.appendLiteral(",\"value\":", to: &out)
            out.append(contentsOf: cell.valueJSON.utf8)
            JSONWriter.appendLiteral(",\"formula\":", to: &out)
            appendOptional(cell.formula, to: &out)
            JSONWriter.appendLiteral(",\"error\":", to: &out)
            appendOptional(cell.error, to: &out)
            JSONWriter.appendLiteral(",\"version\":", to: &out)
            JSONWriter.appendInteger(cell.version, to: &out)
            JSONWriter.appendLiteral(",\"seq\":", to: &out)
            JSONWriter.appendInteger(cell.seq, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func appendOptional(_ text: String?, to out: inout [UInt8]) {
        if let text { JSONWriter.appendString(text, to: &out) } else { JSONWriter.appendLiteral("null", to: &out) }
    }
}
