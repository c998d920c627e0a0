"""An ESC/POS ticket printer for the browser tests: the third-party emupos
emulator (PyPI, Python 3.13) started by the e2e tests' `Emupos` class
(tests/e2e/test_printer.py), printer `k1` on a TCP port, driven over stdin.

Usage: python3 printer_emulator.py WORKDIR. stdout says `ready PORT` once
emupos answers (PORT: the ESC/POS TCP port to give the hall's [[printers]]),
or `skip REASON` and exits when Python 3.13 or emupos is missing. Each stdin
line `FAULT on` / `FAULT off` (an emupos fault name: paper-out, paper-near-end,
cover-open) sets or clears that fault and answers `ok FAULT on|off`, or
`error MESSAGE`. emupos stops when stdin closes."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))

from _pytest.outcomes import Skipped  # noqa: E402
from test_printer import Emupos, emupos_python  # noqa: E402

FAULTS = {"paper-out", "paper-near-end", "cover-open"}


def main() -> None:
    workdir = Path(sys.argv[1])
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        python = emupos_python()
    except Skipped as why:
        print(f"skip {why.msg}", flush=True)
        return
    emulator = Emupos(python, workdir).start()
    try:
        print(f"ready {emulator.port}", flush=True)
        for line in sys.stdin:
            words = line.split()
            if len(words) != 2 or words[0] not in FAULTS or words[1] not in ("on", "off"):
                print(f"error expected `FAULT on|off` with FAULT one of {sorted(FAULTS)}, got {line.strip()!r}",
                      flush=True)
                continue
            try:
                emulator.fault(words[0], words[1] == "on")
            except OSError as err:
                print(f"error {words[0]} {words[1]}: {err}", flush=True)
                continue
            print(f"ok {words[0]} {words[1]}", flush=True)
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
