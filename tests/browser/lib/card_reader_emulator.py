"""A second-generation ID-card reader (GA/T 467) on a pseudo-terminal, for
the browser tests: the emulator of tests/e2e/test_card_reader.py, driven
over stdin. Usage: python3 card_reader_emulator.py PTY. Each stdin line is
JSON {"name", "sex", "born": "YYYY-MM-DD", "id_number"}: that card is put
on the reader (read once, then taken away); stdout says "ready" once, and
"served N" after each card read."""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))

from test_card_reader import ReaderEmulator, basic_info_response, text_block  # noqa: E402


def main() -> None:
    emulator = ReaderEmulator(sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        card = json.loads(line)
        served = emulator.served
        # The reader reads a card only after a find has seen none.
        finds = emulator.no_card_finds
        while emulator.no_card_finds == finds:
            time.sleep(0.05)
        emulator.present(basic_info_response(text_block(
            card["name"], card.get("sex", "1"), "01", date.fromisoformat(card["born"]),
            "北京市东城区某街道1号", card["id_number"], "北京市公安局东城分局", "20200101", "20400101")))
        while emulator.served == served:
            time.sleep(0.05)
        print(f"served {emulator.served}", flush=True)
    emulator.close()


if __name__ == "__main__":
    main()
