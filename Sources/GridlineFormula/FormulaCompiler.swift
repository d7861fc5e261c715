/// A parsed formula in relative form, shared by every cell whose formula compiles to the
/// same tree (a filled-down column shares one). Immutable, so it can cross threads.
public final class CompiledFormula: Sendable, Hashable {
    public let root: FormulaNode
    /// The references the tree reads, deduplicated, in relative form.
    public let cellReferences: [FormulaCellReference]
    public let rangeReferences: [FormulaRangeReference]
    let fastPath: FormulaFastPath?

    init(root: FormulaNode) {
        self.root = root
        fastPath = FormulaFastPath(root)
        var cells = Set<FormulaCellReference>(), ranges = Set<FormulaRangeReference>()
        var orderedCells: [FormulaCellReference] = [], orderedRanges: [FormulaRangeReference] = []
        Self.collect(root) { node in
            switch node {
            case .cell(let reference): if cells.insert(reference).inserted { orderedCells.append(reference) }
            case .range(let reference): if ranges.insert(reference).inserted { orderedRanges.append(reference) }
            default: break
            }
        }
        cellReferences = orderedCells
        rangeReferences = orderedRanges
    }

    /// The cells and rectangles the formula reads when hosted at `host` (whole columns span
    /// rows 1…`SheetLimits.maxRow`; the dependency graph clips them). References that fall off
    /// the grid are left out: they evaluate to `#REF!` and depend on nothing.
    public func precedents(at host: SheetCell) -> FormulaPrecedents {
        FormulaPrecedents(
            cells: cellReferences.compactMap { $0.resolve(at: host) },
            ranges: rangeReferences.compactMap { $0.resolve(at: host) })
    }

    public static func == (a: CompiledFormula, b: CompiledFormula) -> Bool { a === b || a.root == b.root }
    public func hash(into hasher: inout Hasher) { hasher.combine(root) }

    /// Visits every node; depth is bounded by the parser's nesting limit.
    private static func collect(_ node: FormulaNode, _ visit: (FormulaNode) -> Void) {
        visit(node)
        switch node {
        case .negate(let operand, _), .percent(let operand, _): collect(operand, visit)
        case .chain(let first, let links):
            collect(first, visit)
            for link in links { collect(link.operand, visit) }
        case .call(_, let arguments), .unknownCall(_, let arguments):
            for argument in arguments { collect(argument, visit) }
        default: break
        }
    }
}

/// What a formula reads at one host cell: single cells and rectangles.
public struct FormulaPrecedents: Hashable, Sendable {
    public var cells: [SheetCell]
    public var ranges: [SheetRect]
}

/// Parses formulas and interns the results: equal relative-form trees come back as the same
/// `CompiledFormula` instance. Owned by one thread (the store's writer).
public final class FormulaCompiler {
    private var interned: [FormulaNode: CompiledFormula] = [:]
    public let limits: FormulaParser.Limits

    public init(limits: FormulaParser.Limits = .standard) {
        self.limits = limits
    }

    /// Parses `text` written in `host` and returns the shared compiled form.
    public func compile(_ text: String, at host: SheetCell) throws(FormulaParseError) -> CompiledFormula {
        let root = try FormulaParser.parse(text, at: host, limits: limits)
        if let shared = interned[root] { return shared }
        let compiled = CompiledFormula(root: root)
        interned[root] = compiled
        return compiled
    }

    /// Distinct trees held.
    public var internedCount: Int { interned.count }

    /// Forgets trees no cell uses any more (only the compiler still holds them), so the table
    /// stays bounded by the formulas that exist.
    public func purgeUnused() {
        for key in Array(interned.keys) where isKnownUniquelyReferenced(&interned[key]!) {
            interned[key] = nil
        }
    }
}
