"""RS-485 devices for the end-to-end tests: a pymodbus RTU server on a serial
port (a socat pseudo-terminal) answering as several Tingwu-profile devices
(firmware-protocols/docs/modbus-profile.md), one per unit id.

    python3 modbus_devices.py PORT STATE_DIR UNIT[:KIND] ...

Every request a device answers dumps its registers to `STATE_DIR/{unit}.json`
({"regs": {addr: value}} for the display and event blocks, "acks": [...]).
A test changes a device by writing `STATE_DIR/{unit}.ctl.json`
({"id": N, "set": {"addr": [values]}}), applied once per id on the next
request. Like a device, an acknowledgement write (0x0210) of the pending
event's sequence number clears the event (class 0).

Two faults of a real bus (issue 8, item 6) can be injected through the same
control file, each once per id, on the device's next reply:
- `"late": S` sends that reply S seconds late (after the master's timeout);
- `"stale": S` sends the reply, then the same frame again S seconds later
  (a stale frame of the same device and function, waiting on the line).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys

from pymodbus.server import ModbusSerialServer
from pymodbus.server.requesthandler import ServerRequestHandler
from pymodbus.simulator import DataType, SimData, SimDevice

SIZE = 0x300
EVENT = 0x200
ACK = 0x210
KINDS = {"strip": 1, "terminal": 2, "evaluator": 3}


def write_json(path: str, doc: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    os.replace(tmp, path)


class Device:
    def __init__(self, unit: int, state_dir: str):
        self.unit = unit
        self.state = os.path.join(state_dir, f"{unit}.json")
        self.ctl = os.path.join(state_dir, f"{unit}.ctl.json")
        self.applied = None
        self.acks: list[int] = []
        self.requests = 0
        # Faults for the next reply: seconds late, seconds until a repeat.
        self.late: float | None = None
        self.stale: float | None = None

    async def action(self, function_code, start_address, address, count, registers,
                     set_values):
        self.requests += 1
        try:
            with open(self.ctl, encoding="utf-8") as f:
                ctl = json.load(f)
        except (OSError, ValueError):
            ctl = None
        if ctl and ctl.get("id") != self.applied:
            self.applied = ctl.get("id")
            self.late = ctl.get("late")
            self.stale = ctl.get("stale")
            for addr, values in ctl.get("set", {}).items():
                a = int(addr, 0) - start_address
                registers[a:a + len(values)] = values
        regs = list(registers)
        if set_values:
            a = address - start_address
            regs[a:a + len(set_values)] = set_values
            if address == ACK and set_values:
                self.acks.append(set_values[0])
                e = EVENT - start_address
                if registers[e] == set_values[0]:
                    registers[e + 1] = 0
                    registers[e + 2] = 0
                    regs[e + 1] = 0
                    regs[e + 2] = 0
        shown = {hex(start_address + i): regs[i] for i in range(0x100, 0x124)}
        shown.update({hex(start_address + i): regs[i] for i in range(EVENT, EVENT + 4)})
        write_json(self.state, {"regs": shown, "acks": self.acks, "requests": self.requests})
        return None


def identity(kind: int) -> list[int]:
    # "TW", profile 1, kind, firmware 1.0.0, serial 1, vendor/model blank.
    return [0x5457, 1, kind, 0x0100, 0, 0, 1] + [0] * 9


DEVICES: dict[int, Device] = {}
_send = ServerRequestHandler.server_send


def server_send(handler, pdu, addr):
    """Sends a reply, late or twice when its device was told to (see above)."""
    dev = DEVICES.get(getattr(pdu, "dev_id", None)) if pdu else None
    loop = asyncio.get_running_loop()
    if dev and dev.late is not None:
        late, dev.late = dev.late, None
        loop.call_later(late, _send, handler, pdu, addr)
        return
    _send(handler, pdu, addr)
    if dev and dev.stale is not None:
        stale, dev.stale = dev.stale, None
        loop.call_later(stale, _send, handler, pdu, addr)


ServerRequestHandler.server_send = server_send


async def main() -> None:
    port, state_dir, *units = sys.argv[1:]
    devices = []
    for spec in units:
        unit, _, kind = spec.partition(":")
        dev = Device(int(unit), state_dir)
        DEVICES[dev.unit] = dev
        values = identity(KINDS.get(kind, 1)) + [0] * (SIZE - 16)
        devices.append(SimDevice(
            id=int(unit),
            simdata=[SimData(0, values=values, datatype=DataType.REGISTERS)],
            action=functools.partial(Device.action, dev),
        ))
    server = ModbusSerialServer(devices, port=port, baudrate=9600)
    print("modbus devices ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
