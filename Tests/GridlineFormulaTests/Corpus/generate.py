#!/usr/bin/env python3
"""Differential corpus for GridlineFormula against LibreOffice Calc (SPEC §14).

Generates, with a fixed seed, random input grids and >= 5,000 formulas over them, has
LibreOffice (soffice --headless) compute them in a flat ODS document with case-insensitive
text comparison, wildcards on, regular expressions off and "criteria must apply to whole
cells" on, and writes the results to expected.tsv next to this script. The Swift test
FormulaCorpusTests reads expected.tsv; LibreOffice is only needed to regenerate it.

Usage: generate.py [--soffice soffice] [--workdir DIR]
"""
import argparse, os, random, re, subprocess, sys, tempfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

SEED = 20261214
SHEETS = 10
ROWS = 20                # input rows 1..ROWS
FORMULAS_PER_SHEET = 520  # formulas in column H, rows 1..N
FORMULA_COLUMN = "H"

WORDS = ["apple", "Apple", "APPLE", "banana", "Cherry", "date", "abc", "ABC", "a", "b", "zeta",
         "x y", "  pad  ded ", "5", "12", "-3.5", "1e3", " 7 ", "TRUE", "false", "0", "text", "Text",
         "ab", "abd", "a*c", "mid dle", "q?z", "Hello World"]
ERRORS = [("=1/0", "#DIV/0!"), ("=NA()", "#N/A"), ("=SQRT(-1)", "Err:502"), ("=\"a\"+1", "#VALUE!")]


def random_cell_value(rng):
    r = rng.random()
    if r < 0.40:
        return ("n", rng.choice([
            rng.randint(-10, 10), rng.randint(0, 100), round(rng.uniform(-100, 100), rng.randint(0, 4)),
            rng.choice([0.1, 0.2, 0.3, 0.5, 1.5, 2.5, -2.5, 1e10, -1e10, 1e20, 1e-7, 123456.789, 3.14159, 0.125]),
        ]))
    if r < 0.68:
        return ("s", rng.choice(WORDS))
    if r < 0.76:
        return ("b", rng.choice([True, False]))
    if r < 0.82:
        return ("e", rng.choice(ERRORS))
    return None


def make_grid(rng):
    grid = {}
    for row in range(1, ROWS + 1):
        for col in "ABCD":
            v = random_cell_value(rng)
            if v is not None:
                grid[f"{col}{row}"] = v
    # E: ascending numbers, F: ascending lowercase words (for approximate lookups)
    nums = sorted(rng.sample(range(-50, 200), ROWS))
    for row, n in enumerate(nums, 1):
        grid[f"E{row}"] = ("n", n)
    words = sorted(set(rng.choice(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
                                   "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
                                   "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"])
                       for _ in range(40)))[:ROWS]
    for row, w in enumerate(words, 1):
        grid[f"F{row}"] = ("s", w)
    return grid


class Gen:
    def __init__(self, rng):
        self.rng = rng

    def col(self, cols="ABCD"):
        return self.rng.choice(cols)

    def cell(self, cols="ABCDEF"):
        c, r = self.col(cols), self.rng.randint(1, ROWS)
        d = self.rng.random()
        if d < 0.1:
            return f"${c}${r}"
        if d < 0.15:
            return f"{c}${r}"
        return f"{c}{r}"

    def rect(self, cols="ABCD", tall=False):
        c1, c2 = sorted([self.rng.choice(cols), self.rng.choice(cols)])
        r1, r2 = sorted([self.rng.randint(1, ROWS), self.rng.randint(1, ROWS)])
        if self.rng.random() < 0.1:
            return f"{c1}:{c2}"
        if self.rng.random() < 0.1:  # reversed corners, normalised by both engines
            return f"{c2}{r2}:{c1}{r1}"
        return f"{c1}{r1}:{c2}{r2}"

    def column_rect(self, cols="ABCD"):
        c = self.rng.choice(cols)
        r1, r2 = sorted([self.rng.randint(1, ROWS), self.rng.randint(1, ROWS)])
        return f"{c}{r1}:{c}{r2}" if self.rng.random() < 0.9 else f"{c}:{c}"

    def number(self):
        return self.rng.choice(["0", "1", "2", "-1", "3.5", "-2.5", "0.5", "10", "100", "1e3", ".5", "0.1", "0.2",
                                "0.3", "1e300", "7", "-7", "2.675", "1234.5678", "1E-5", "15", "1e15"])

    def string(self):
        return '"' + self.rng.choice(WORDS + ["", "a", "A", "x", "5"]).replace('"', '""') + '"'

    def scalar(self, depth=0):
        r = self.rng.random()
        if r < 0.35:
            return self.cell()
        if r < 0.55:
            return self.number()
        if r < 0.65:
            return self.string()
        if r < 0.70:
            return self.rng.choice(["TRUE", "FALSE"])
        if depth < 2:
            return self.expr(depth + 1)
        return self.cell()

    def expr(self, depth=0):
        r = self.rng.random()
        if r < 0.45 or depth >= 3:
            return self.operator_expr(depth)
        return self.call(depth)

    def operator_expr(self, depth):
        op = self.rng.choice(["+", "-", "*", "/", "^", "&", "=", "<>", "<", ">", "<=", ">="])
        a, b = self.scalar(depth + 1), self.scalar(depth + 1)
        r = self.rng.random()
        if r < 0.1:
            return f"-{a}{op}{b}"
        if r < 0.15:
            return f"({a}{op}{b})%"
        if r < 0.25:
            return f"({a}){op}({b})"
        if op == "^":
            b = self.rng.choice(["2", "0.5", "-1", "3", "0", "400", "1/3", b])
        return f"{a}{op}{b}"

    def args(self, n, depth):
        return ",".join(self.scalar(depth + 1) for _ in range(n))

    def agg_arg(self, depth):
        r = self.rng.random()
        if r < 0.55:
            return self.rect()
        if r < 0.75:
            return self.cell()
        return self.scalar(depth + 1)

    def call(self, depth=0):
        g = self.rng
        f = g.choice(FUNCTIONS)
        if f in ("SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "PRODUCT"):
            return f"{f}({','.join(self.agg_arg(depth) for _ in range(g.randint(1, 4)))})"
        if f == "COUNTBLANK":
            return f"COUNTBLANK({self.rect()})"
        if f in ("ROUND", "ROUNDUP", "ROUNDDOWN"):
            places = g.choice(["0", "1", "2", "-1", "-2", "3", "0.7", self.cell()])
            return f"{f}({self.scalar(depth + 1)},{places})" if g.random() < 0.9 else f"{f}({self.scalar(depth + 1)})"
        if f in ("ABS", "SQRT", "INT", "LEN", "UPPER", "LOWER", "TRIM", "NOT"):
            return f"{f}({self.scalar(depth + 1)})"
        if f in ("POWER", "MOD"):
            return f"{f}({self.args(2, depth)})"
        if f == "IF":
            n = g.choice([2, 3, 3, 3])
            return f"IF({self.args(n, depth)})"
        if f == "IFERROR":
            return f"IFERROR({self.args(2, depth)})"
        if f in ("AND", "OR"):
            return f"{f}({','.join(self.agg_arg(depth) for _ in range(g.randint(1, 3)))})"
        if f == "CONCATENATE":
            return f"CONCATENATE({self.args(g.randint(1, 4), depth)})"
        if f == "CONCAT":
            return f"CONCAT({','.join(self.agg_arg(depth) for _ in range(g.randint(1, 3)))})"
        if f in ("LEFT", "RIGHT"):
            if g.random() < 0.3:
                return f"{f}({self.scalar(depth + 1)})"
            return f"{f}({self.scalar(depth + 1)},{g.choice(['0', '1', '2', '3', '10', '-1', '1.9', self.cell()])})"
        if f == "MID":
            return f"MID({self.scalar(depth + 1)},{g.choice(['1', '2', '0', '3', self.cell()])},{g.choice(['0', '1', '2', '5', '-1', self.cell()])})"
        if f in ("SUMIF", "COUNTIF", "AVERAGEIF"):
            rng_ = self.column_rect()
            crit = g.choice(['">1"', '"<0"', '">=2"', '"<>apple"', '"apple"', '"a*"', '"?"', '"*e*"', '"="', '"<>"', '""',
                             '"5"', '"<=5"', '">abc"', '"<b"', "5", "0", "TRUE", '"true"', '"A*"', '"x y"', '"<>5"',
                             '"=apple"', '"ab?"', '"~*"', self.cell()])
            if f == "COUNTIF":
                return f"COUNTIF({rng_},{crit})"
            if g.random() < 0.5:
                c = self.col("ABCD")
                m = re.match(r"([A-Z]+)(\d*):([A-Z]+)(\d*)", rng_)
                other = f"{c}{m.group(2)}:{c}{m.group(4)}" if m.group(2) else f"{c}:{c}"
                return f"{f}({rng_},{crit},{other})"
            return f"{f}({rng_},{crit})"
        if f == "VLOOKUP":
            if g.random() < 0.5:  # approximate over the sorted numbers in E
                look = g.choice([str(g.randint(-60, 210)), self.cell("ABCDE"), '"x"'])
                return f"VLOOKUP({look},E1:F{ROWS},{g.choice(['1', '2', '3', '0'])})"
            if g.random() < 0.3:  # approximate over sorted text in F
                look = g.choice(['"m"', '"alpha"', '"zz"', '"Delta"', '"a"', '"kilo"', '"b*"'])
                return f"VLOOKUP({look},F1:F{ROWS},1,TRUE)"
            look = g.choice([self.cell("ABCD"), self.string(), self.number(), '"a*"', '"?"'])
            return f"VLOOKUP({look},{self.rect('ABCD')},{g.choice(['1', '2', '1'])},{g.choice(['FALSE', '0'])})"
        if f == "MATCH":
            r = g.random()
            if r < 0.35:
                return f"MATCH({g.choice([str(g.randint(-60, 210)), self.cell('ABCDE')])},E1:E{ROWS}{g.choice(['', ',1'])})"
            if r < 0.45:
                look = g.choice(['"m"', '"alpha"', '"zz"', '"Golf"'])
                return f"MATCH({look},F1:F{ROWS},1)"
            look = g.choice([self.cell("ABCD"), self.string(), self.number(), '"a*"', "TRUE"])
            return f"MATCH({look},{self.column_rect()},0)"
        if f == "INDEX":
            rect = self.rect("ABCDEF")
            r = g.random()
            if r < 0.6:
                return f"INDEX({rect},{g.choice(['1', '2', '3', '5', '0', '-1', '25'])},{g.choice(['1', '2', '3', '7'])})"
            return f"INDEX({self.column_rect('ABCDEF')},{g.choice(['1', '2', '4', '21', '0'])})"
        raise AssertionError(f)


FUNCTIONS = ["SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "COUNTBLANK", "PRODUCT", "ROUND", "ROUNDUP",
             "ROUNDDOWN", "ABS", "SQRT", "POWER", "MOD", "INT", "IF", "IFERROR", "AND", "OR", "NOT", "CONCATENATE",
             "CONCAT", "LEN", "UPPER", "LOWER", "TRIM", "LEFT", "RIGHT", "MID", "SUMIF", "COUNTIF", "AVERAGEIF",
             "VLOOKUP", "MATCH", "INDEX"]

FIXED = [  # hand-picked shapes every run includes (SPEC §14 examples and known edges)
    '=CONCATENATE("Hello"," ","World")', "=0.1+0.2-0.3", "=-2^2", "=2^3^2", "=10^400", "=1/0", "=2^200%",
    "=-50%", '="a"<"B"', '="abc"="ABC"', '=1<"a"', '=TRUE>"a"', "=TRUE=1", "=1/3&\"\"", "=10^20&\"\"",
    "=1e15&\"\"", "=1.5e15&\"\"", "=9.99e15&\"\"", "=1e16&\"\"", "=1e-15&\"\"", "=1.5e-14&\"\"", "=123456789012345678&\"\"",
    "=ROUND(2.5,0)", "=ROUND(-2.5,0)", "=ROUND(2.675,2)", "=INT(-2.5)", "=MOD(-7,3)", "=MOD(7,-3)", "=MOD(5,0)",
    "=SUM(0.1,0.2,-0.3)", "=POWER(-8,1/3)", "=0^0", "=0^-1", "=SQRT(-1)", '=SUM("3")', '=COUNT("3","a",TRUE)',
    '=MAX("3",1)', '=IF("TRUE",1,2)', "=IF(0,2)", "=IF(1,,2)", '=NOT("5")', '=LEFT("abc",-1)', '=MID("abcdef",0,2)',
    '=TRIM("  a   b  ")', "=LEN(1/3)", '=""+1', '=" 5"+1', '="1e3"*1', '="5."+0', '="+5"+0', '=".5"+0', '="1,000"+0',
    "=A1:A3+1", "=XFE1", "=A10000000", "=foo", "=ZZZ(1)", "=SUM(A:A)", "=COUNTBLANK(A:A)", "=COUNTIF(A:A,\"<>apple\")",
    "=1E+308*10", "=-0", "=--\"5\"", "=+\"abc\"", "=PRODUCT(A1)", "=1.1-1", "=1e15+0.3",
]


def to_lo(formula):
    """Our syntax is Excel's A1 syntax, which LibreOffice reads with the msoxl: namespace."""
    return "msoxl:" + re.sub(r"\bCONCAT\(", "_xlfn.CONCAT(", formula)


def text_p(s):
    out, i = [], 0
    for m in re.finditer(r" {2,}", s):
        out.append(escape(s[i:m.start()]) + " " + f'<text:s text:c="{len(m.group()) - 1}"/>')
        i = m.end()
    out.append(escape(s[i:]))
    return "<text:p>" + "".join(out) + "</text:p>"


def cell_xml(v):
    if v is None:
        return "<table:table-cell/>"
    kind, x = v
    if kind == "n":
        return f'<table:table-cell office:value-type="float" office:value="{x!r}"/>'
    if kind == "b":
        return f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(x).lower()}"/>'
    if kind == "s":
        return f'<table:table-cell office:value-type="string">{text_p(x)}</table:table-cell>'
    return f'<table:table-cell table:formula={quoteattr("of:" + x[0])}/>'


def build(rng):
    sheets = []
    for s in range(SHEETS):
        grid = make_grid(rng)
        gen = Gen(rng)
        formulas = list(FIXED) if s == 0 else []
        while len(formulas) < FORMULAS_PER_SHEET:
            formulas.append("=" + gen.expr())
        sheets.append((grid, formulas))
    return sheets


def fods(sheets):
    tables = []
    for s, (grid, formulas) in enumerate(sheets):
        rows = []
        for row in range(1, max(ROWS, len(formulas)) + 1):
            cells = [cell_xml(grid.get(f"{c}{row}")) for c in "ABCDEFG"]
            if row <= len(formulas):
                cells.append(f"<table:table-cell table:formula={quoteattr(to_lo(formulas[row - 1]))}/>")
            rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        tables.append(f'<table:table table:name="S{s}">' + "".join(rows) + "</table:table>")
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" xmlns:msoxl="http://schemas.microsoft.com/office/excel/formula" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet>
<table:calculation-settings table:case-sensitive="false" table:search-criteria-must-apply-to-whole-cell="true" table:use-wildcards="true" table:use-regular-expressions="false"/>
{"".join(tables)}
</office:spreadsheet></office:body></office:document>'''


NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
      "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
      "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}
T, O, TX = "{%s}" % NS["table"], "{%s}" % NS["office"], "{%s}" % NS["text"]
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def paragraph_text(p):
    out = [p.text or ""]
    for child in p:
        if child.tag == TX + "s":
            out.append(" " * int(child.get(TX + "c", "1")))
        elif child.tag == TX + "tab":
            out.append("\t")
        else:
            out.append(paragraph_text(child))
        out.append(child.tail or "")
    return "".join(out)


def read_results(path, sheets):
    root = ET.parse(path).getroot()
    results = []
    for s, table in enumerate(root.iter(T + "table")):
        formulas = sheets[s][1]
        row_index = 0
        for row in table.findall("table:table-row", NS):
            repeat = int(row.get(T + "number-rows-repeated", "1"))
            cols = []
            for c in row:
                cols += [c] * int(c.get(T + "number-columns-repeated", "1"))
            for _ in range(repeat):
                row_index += 1
                if row_index <= len(formulas) and len(cols) > 7:
                    c = cols[7]
                    vt = c.get(CALCEXT + "value-type") or c.get(O + "value-type")
                    text = "\n".join(paragraph_text(p) for p in c.findall("text:p", NS))
                    if vt == "error":
                        results.append((s, row_index, "e", text))
                    elif vt in ("float", "percentage", "currency"):
                        results.append((s, row_index, "n", c.get(O + "value")))
                    elif vt == "boolean":
                        results.append((s, row_index, "b", c.get(O + "boolean-value")))
                    else:
                        results.append((s, row_index, "s", c.get(O + "string-value", text)))
    return results


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--soffice", default="soffice")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    rng = random.Random(SEED)
    sheets = build(rng)
    work = args.workdir or tempfile.mkdtemp(prefix="gridline-corpus-")
    src = os.path.join(work, "corpus.fods")
    with open(src, "w") as f:
        f.write(fods(sheets))
    outdir = os.path.join(work, "out")
    subprocess.run([args.soffice, "--headless", "--convert-to", "fods", "--outdir", outdir, src], check=True,
                   capture_output=True, timeout=600)
    results = read_results(os.path.join(outdir, "corpus.fods"), sheets)
    version = subprocess.run([args.soffice, "--version"], capture_output=True, text=True).stdout.strip()
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "expected.tsv"), "w") as f:
        f.write(f"# GridlineFormula differential corpus; oracle: {version}; seed {SEED}; regenerate with regenerate.sh\n")
        f.write("# cell<TAB>sheet<TAB>A1<TAB>kind(n|s|b|e)<TAB>value  /  formula<TAB>sheet<TAB>host<TAB>text<TAB>kind<TAB>expected\n")
        for s, (grid, _) in enumerate(sheets):
            for addr in sorted(grid, key=lambda a: (int(a[1:]), a[0])):
                kind, x = grid[addr]
                if kind == "n":
                    value = repr(float(x))
                elif kind == "b":
                    value = "true" if x else "false"
                elif kind == "e":
                    value = x[1]
                else:
                    value = x
                f.write(f"cell\t{s}\t{addr}\t{kind}\t{esc(value)}\n")
        for s, row, kind, value in results:
            formula = sheets[s][1][row - 1]
            f.write(f"formula\t{s}\t{FORMULA_COLUMN}{row}\t{esc(formula)}\t{kind}\t{esc(value or '')}\n")
    print(f"{len(results)} formulas written to expected.tsv")


if __name__ == "__main__":
    main()
