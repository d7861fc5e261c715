/// LibreOffice walks ranges column by column; a range's reported error is the first one in
/// that order, whatever order the source visits cells in.
enum FormulaRangeOrder {
    @inline(__always) static func precedes(_ a: SheetCell, _ b: SheetCell) -> Bool {
        (a.column, a.row) < (b.column, b.row)
    }

    @inline(__always) static func keepFirst(_ first: inout (SheetCell, FormulaError)?, _ cell: SheetCell, _ error: FormulaError) {
        if let (current, _) = first, !precedes(cell, current) { return }
        first = (cell, error)
    }
}

/// Which error an aggregate over several arguments reports when more than one holds an
/// error, fitted to LibreOffice (Corpus/differences.tsv lists what it still misses): an
/// error computed by an argument expression (`NA()`, `1/0`) wins, the first such;
/// otherwise the later of the first single-cell argument with an error (or direct text
/// where a number belongs) and the last range argument with one.
struct FormulaErrorPrecedence {
    private var computed: FormulaError?
    private var single: (Int, FormulaError)?
    private var range: (Int, FormulaError)?

    mutating func computed(_ error: FormulaError) {
        if computed == nil { computed = error }
    }

    mutating func single(_ error: FormulaError, argument: Int) {
        if single == nil { single = (argument, error) }
    }

    mutating func range(_ error: FormulaError, argument: Int) {
        range = (argument, error)
    }

    func check() throws(FormulaError) {
        if let computed { throw computed }
        switch (single, range) {
        case let ((i, e)?, (j, f)?): throw i > j ? e : f
        case let ((_, e)?, nil), let (nil, (_, e)?): throw e
        case (nil, nil): return
        }
    }
}
