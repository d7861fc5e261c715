import Foundation
import GridlineFormula
import XCTest

/// The differential corpus: ≥ 5,000 formulas computed by LibreOffice Calc (the oracle, see
/// Corpus/generate.py) and by this engine must agree, except where Corpus/differences.tsv
/// lists a deliberate difference with its reason.
final class FormulaCorpusTests: XCTestCase {
    struct Entry {
        var sheet: Int
        var host: String
        var formula: String
        var kind: String
        var expected: String
    }

    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    func testEngineAgreesWithLibreOfficeOnTheCorpus() throws {
        let text = try String(contentsOf: Self.corpusDirectory.appendingPathComponent("expected.tsv"), encoding: .utf8)
        var sources: [Int: FormulaDictionarySource] = [:]
        var entries: [Entry] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { Self.unescape(String($0)) }
            if fields[0] == "cell" {
                let sheet = Int(fields[1])!
                sources[sheet, default: FormulaDictionarySource()][try XCTUnwrap(CorpusAddress.cell(fields[2]))] =
                    Self.inputValue(kind: fields[3], fields[4])
            } else {
                entries.append(Entry(sheet: Int(fields[1])!, host: fields[2], formula: fields[3], kind: fields[4], expected: fields[5]))
            }
        }
        let listed = try Self.loadDifferences()
        let compiler = FormulaCompiler()
        var agreed = 0
        var unlisted: [String] = []
        var listedAndDiffering = 0
        for entry in entries {
            let host = try XCTUnwrap(CorpusAddress.cell(entry.host))
            let actual: String
            let matches: Bool
            do {
                let compiled = try compiler.compile(entry.formula, at: host)
                let value = FormulaEvaluator(source: sources[entry.sheet] ?? FormulaDictionarySource(), host: host).evaluate(compiled)
                matches = Self.agrees(value, kind: entry.kind, expected: entry.expected)
                actual = "\(value)"
            } catch {
                matches = false
                actual = "parse error \(error)"
            }
            let key = "\(entry.sheet)\t\(entry.host)"
            if matches {
                agreed += 1
            } else if listed[key] != nil {
                listedAndDiffering += 1
            } else {
                unlisted.append("\(key)\t\(entry.formula)\texpected \(entry.kind) \(entry.expected)\tgot \(actual)")
            }
        }
        let rate = Double(agreed) / Double(max(1, entries.count))
        print("FormulaCorpus: \(agreed)/\(entries.count) agree (\(String(format: "%.2f", rate * 100))%), \(listedAndDiffering) listed differences")
        XCTAssertGreaterThanOrEqual(entries.count, 5000)
        XCTAssertGreaterThanOrEqual(rate, 0.995)
        XCTAssertTrue(unlisted.isEmpty, "\(unlisted.count) unlisted disagreements:\n" + unlisted.prefix(60).joined(separator: "\n"))
    }

    static func loadDifferences() throws -> [String: String] {
        let url = corpusDirectory.appendingPathComponent("differences.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 4 else { continue }
            result["\(fields[0])\t\(fields[1])"] = String(fields[3])
        }
        return result
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = "", escaping = false
        for c in s {
            if escaping {
                out.append(c == "t" ? "\t" : c == "n" ? "\n" : c)
                escaping = false
            } else if c == "\\" { escaping = true } else { out.append(c) }
        }
        return out
    }

    static func inputValue(kind: String, _ text: String) -> FormulaValue {
        switch kind {
        case "n": return .number(Double(text)!)
        case "b": return .boolean(text == "true")
        case "e": return .error(acceptedErrors(text).first!)
        default: return .text(text)
        }
    }

    /// LibreOffice's error texts and the errors of this engine they stand for (SPEC §14).
    static func acceptedErrors(_ text: String) -> [FormulaError] {
        switch text {
        case "Err:502": return [.number, .value, .reference]  // "invalid argument": #NUM!, #VALUE!, or #REF! for positions past a range
        case "Err:504", "Err:519": return [.value]
        case "Err:522", "Err:523": return [.cycle]
        case "Err:524": return [.reference]
        case "Err:525": return [.name]
        case "Err:532": return [.divisionByZero]
        default: return FormulaError(text: text).map { [$0] } ?? []
        }
    }

    /// LibreOffice has no boolean type (TRUE is 1 shown as TRUE), so booleans and 1/0 agree;
    /// numbers agree to 1e-9 relative; LibreOffice 7.4 writes exponents with three digits.
    static func agrees(_ value: FormulaValue, kind: String, expected: String) -> Bool {
        switch (kind, value) {
        case ("n", .number(let n)), ("b", .number(let n)):
            let e = kind == "b" ? (expected == "true" ? 1.0 : 0.0) : Double(expected)!
            return n == e || abs(n - e) <= 1e-9 * max(abs(n), abs(e))
        case ("n", .boolean(let b)): return Double(expected)! == (b ? 1 : 0)
        case ("b", .boolean(let b)): return (expected == "true") == b
        case ("s", .text(let s)):
            return s == expected || s == expected.replacingOccurrences(of: #"E([+-])0(\d\d)"#, with: "E$1$2", options: .regularExpression)
        case ("e", .error(let error)): return acceptedErrors(expected).contains(error)
        default: return false
        }
    }
}

/// A1 text to a cell, for the corpus file only.
enum CorpusAddress {
    static func cell(_ a1: String) -> SheetCell? {
        var column: Int32 = 0
        var digits = Substring(a1)
        while let c = digits.first, c.isLetter {
            column = column * 26 + Int32(c.asciiValue! - 64)
            digits = digits.dropFirst()
        }
        guard let row = Int32(digits) else { return nil }
        return SheetCell(column: column, row: row)
    }
}
