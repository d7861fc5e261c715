#!/usr/bin/env python3
"""Edit-then-recalculate on the formulas benchmark's workbooks with other engines.

The same two workbooks as `gridline bench --scenario formulas`, written as .xlsx with openpyxl:
  chain.xlsx   A1 = 1, A2 = A1+1, ..., A<rows> = A<rows-1>+1
  ranges.xlsx  A1..A<rows> constants (row % 1000), B1 = SUM(A1:A<rows>),
               C1..C<n> cycling SUM/AVERAGE/MAX(A1:A<rows>)
Each peer loads a workbook, computes it once, then (timed) sets one cell of column A and
recomputes what depends on it, and checks the result. Peers:
  pycel      ExcelCompiler: set_value, then evaluate the dependents (pycel recomputes lazily)
  formulas   ExcelModel: calculate(inputs=..., outputs=...) with the edited cell as input
  libreoffice  soffice --headless driven over Python-UNO on 127.0.0.1: automatic calculation
             off, setValue on the cell, then document.calculate() (dirty cells only) and, for
             reference, calculateAll() (everything)
Each peer runs in its own process with a time limit; one JSON line per peer and workbook on
stdout. Not part of `swift test`. Usage:
  .build/formula-bench-venv/bin/python Tests/support/bench/formula_peers.py [--rows N]
      [--range-formulas N] [--peers pycel,formulas,libreoffice] [--timeout S] [--dir D]
The venv needs pycel, formulas and openpyxl, and Debian's python3-uno (so: created with
--system-site-packages from /usr/bin/python3).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

FUNCTIONS = ["SUM", "AVERAGE", "MAX"]


def write_workbooks(directory, rows, range_formulas):
    import openpyxl
    chain = openpyxl.Workbook()
    sheet = chain.active
    sheet.title = "Sheet1"
    sheet["A1"] = 1
    for row in range(2, rows + 1):
        sheet[f"A{row}"] = f"=A{row - 1}+1"
    chain.save(os.path.join(directory, "chain.xlsx"))
    ranges = openpyxl.Workbook()
    sheet = ranges.active
    sheet.title = "Sheet1"
    for row in range(1, rows + 1):
        sheet[f"A{row}"] = row % 1000
    sheet["B1"] = f"=SUM(A1:A{rows})"
    for index in range(range_formulas):
        sheet[f"C{index + 1}"] = f"={FUNCTIONS[index % len(FUNCTIONS)]}(A1:A{rows})"
    ranges.save(os.path.join(directory, "ranges.xlsx"))


def expected(workbook, rows, value):
    """(cell, value) to check after the edit."""
    if workbook == "chain":
        return f"A{rows}", value + rows - 1
    return "C3", max(value, 999)  # C3 is MAX; the edit writes a new maximum


def edit_of(workbook, rows):
    """The edited cell and its new value (as the Gridline scenario edits)."""
    return ("A1", 10.0) if workbook == "chain" else (f"A{(7919 % rows) + 1}", 1_000_000.0)


def dependents(workbook, rows, range_formulas):
    if workbook == "chain":
        return [f"A{rows}"]
    return ["B1"] + [f"C{i + 1}" for i in range(range_formulas)]


# MARK: peers (each runs in a child process)

def run_pycel(path, workbook, rows, range_formulas):
    from pycel import ExcelCompiler
    started = time.perf_counter()
    compiler = ExcelCompiler(filename=path)
    targets = [f"Sheet1!{cell}" for cell in dependents(workbook, rows, range_formulas)]
    if workbook == "chain":
        # pycel recurses once per precedent: warm the chain bottom-up so the first full
        # evaluation stays within the stack.
        for row in range(1000, rows, 1000):
            compiler.evaluate(f"Sheet1!A{row}")
    for target in targets:
        compiler.evaluate(target)
    load = time.perf_counter() - started
    cell, value = edit_of(workbook, rows)
    started = time.perf_counter()
    compiler.set_value(f"Sheet1!{cell}", value)
    results = [compiler.evaluate(target) for target in targets]
    recalc = time.perf_counter() - started
    check_cell, check_value = expected(workbook, rows, value)
    got = compiler.evaluate(f"Sheet1!{check_cell}")
    return {"load_s": load, "edit_recalc_s": recalc, "check": [check_cell, got, check_value],
            "ok": abs(float(got) - check_value) < 1e-6, "computed": len(results)}


def run_formulas(path, workbook, rows, range_formulas):
    import formulas
    started = time.perf_counter()
    model = formulas.ExcelModel().loads(path).finish()
    model.calculate()
    load = time.perf_counter() - started
    name = os.path.basename(path)
    cell, value = edit_of(workbook, rows)
    ref = lambda c: f"'[{name}]SHEET1'!{c}"
    outputs = [ref(c) for c in dependents(workbook, rows, range_formulas)]
    check_cell, check_value = expected(workbook, rows, value)
    started = time.perf_counter()
    solution = model.calculate(inputs={ref(cell): value}, outputs=outputs + [ref(check_cell)])
    recalc = time.perf_counter() - started
    got = solution[ref(check_cell)].value[0, 0]
    return {"load_s": load, "edit_recalc_s": recalc, "check": [check_cell, float(got), check_value],
            "ok": abs(float(got) - check_value) < 1e-6}


def run_libreoffice(path, workbook, rows, range_formulas):
    import uno
    from com.sun.star.beans import PropertyValue
    port = free_port()
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
         f"-env:UserInstallation=file://{profile}",
         f"--accept=socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        context = None
        deadline = time.time() + 60
        while context is None and time.time() < deadline:
            try:
                context = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
            except Exception:
                time.sleep(0.2)
        if context is None:
            raise RuntimeError("soffice did not accept a UNO connection within 60 s")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        started = time.perf_counter()
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (hidden,))
        document.calculateAll()
        load = time.perf_counter() - started
        sheet = document.Sheets.getByIndex(0)
        document.enableAutomaticCalculation(False)
        cell, value = edit_of(workbook, rows)
        check_cell, check_value = expected(workbook, rows, value)
        started = time.perf_counter()
        sheet.getCellRangeByName(cell).setValue(value)
        document.calculate()
        got = sheet.getCellRangeByName(check_cell).getValue()
        recalc = time.perf_counter() - started
        started = time.perf_counter()
        sheet.getCellRangeByName(cell).setValue(value + 1)
        document.calculateAll()
        got_all = sheet.getCellRangeByName(check_cell).getValue()
        recalc_all = time.perf_counter() - started
        document.close(True)
        return {"load_s": load, "edit_recalc_s": recalc, "edit_calculate_all_s": recalc_all,
                "check": [check_cell, got, check_value], "ok": abs(got - check_value) < 1e-6,
                "ok_calculate_all": abs(got_all - expected(workbook, rows, value + 1)[1]) < 1e-6,
                "version": lo_version()}
    finally:
        office.terminate()
        try:
            office.wait(timeout=20)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()
        shutil.rmtree(profile, ignore_errors=True)


def lo_version():
    try:
        return subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PEERS = {"pycel": run_pycel, "formulas": run_formulas, "libreoffice": run_libreoffice}


def child(args):
    """Runs one peer on one workbook in this process (deep recursion allowed) and prints JSON."""
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 29)
    result = {}

    def work():
        try:
            result.update(PEERS[args.child](args.path, args.workbook, args.rows, args.range_formulas))
        except Exception as error:  # reported, not raised: the parent prints it
            result["error"] = f"{type(error).__name__}: {error}"

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--range-formulas", type=int, default=1000)
    parser.add_argument("--peers", default="pycel,formulas,libreoffice")
    parser.add_argument("--workbooks", default="chain,ranges")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--dir")
    parser.add_argument("--child", choices=sorted(PEERS))
    parser.add_argument("--path")
    parser.add_argument("--workbook")
    args = parser.parse_args()
    if args.child:
        return child(args)
    directory = args.dir or tempfile.mkdtemp(prefix="gridline-formula-peers-")
    os.makedirs(directory, exist_ok=True)
    started = time.perf_counter()
    write_workbooks(directory, args.rows, args.range_formulas)
    print(f"workbooks written in {time.perf_counter() - started:.1f} s to {directory}", file=sys.stderr)
    for peer in args.peers.split(","):
        for workbook in args.workbooks.split(","):
            path = os.path.join(directory, f"{workbook}.xlsx")
            command = [sys.executable, __file__, "--child", peer, "--path", path, "--workbook", workbook,
                       "--rows", str(args.rows), "--range-formulas", str(args.range_formulas)]
            line = {"peer": peer, "workbook": workbook, "rows": args.rows,
                    "range_formulas": args.range_formulas if workbook == "ranges" else None}
            # Its own session, so a time-out ends the child and the soffice it started together.
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
            try:
                stdout, stderr = process.communicate(timeout=args.timeout)
                output = stdout.strip().splitlines()
                line.update(json.loads(output[-1]) if output else {"error": stderr.strip()[-500:]})
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.communicate()
                line["error"] = f"timed out after {args.timeout} s"
            print(json.dumps(line), flush=True)
    if not args.dir:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
