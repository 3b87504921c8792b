"""A tiny writer of OLE compound files (MS-CFB version 3), to build Outlook .msg test files.

Only what the tests need: storages and streams, every stream padded to the 4,096-byte
mini-stream cutoff so no mini FAT is needed, siblings chained as a one-sided tree.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

SECTOR = 512
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MINI_CUTOFF = 4096

Tree = dict[str, "bytes | Tree"]


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    start: int = ENDOFCHAIN
    right: int = NOSTREAM
    child: int = NOSTREAM


def _flatten(tree: Tree, entries: list[_Entry], parent: _Entry) -> None:
    for name, value in tree.items():
        if isinstance(value, dict):
            entry = _Entry(name, 1)
            entries.append(entry)
            parent.children.append(len(entries) - 1)
            _flatten(value, entries, entry)
        else:
            data = value + b"\x00" * max(0, MINI_CUTOFF - len(value))
            entries.append(_Entry(name, 2, data=data))
            parent.children.append(len(entries) - 1)


def build_cfb(tree: Tree) -> bytes:
    root = _Entry("Root Entry", 5)
    entries = [root]
    _flatten(tree, entries, root)
    for entry in entries:
        if entry.children:
            entry.child = entry.children[0]
            for left, right in zip(entry.children, entry.children[1:], strict=False):
                entries[left].right = right
    dir_sectors = math.ceil(len(entries) * 128 / SECTOR)
    data_sectors = sum(math.ceil(len(e.data) / SECTOR) for e in entries if e.kind == 2)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + dir_sectors + data_sectors:
        fat_sectors += 1
    fat = [FATSECT] * fat_sectors
    dir_start = len(fat)
    fat += [*range(dir_start + 1, dir_start + dir_sectors), ENDOFCHAIN]
    body = bytearray()
    for entry in entries:
        if entry.kind != 2:
            continue
        count = math.ceil(len(entry.data) / SECTOR)
        entry.start = len(fat)
        fat += [*range(entry.start + 1, entry.start + count), ENDOFCHAIN]
        body += entry.data + b"\x00" * (count * SECTOR - len(entry.data))
    fat += [FREESECT] * (fat_sectors * 128 - len(fat))
    directory = b"".join(_direntry(e) for e in entries)
    directory += b"\x00" * (dir_sectors * SECTOR - len(directory))
    header = _header(fat_sectors, dir_start)
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + bytes(body)


def _direntry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        1,  # black
        NOSTREAM,
        entry.right,
        entry.child,
        b"\x00" * 16,
        0,
        0,
        0,
        entry.start if entry.kind == 2 else ENDOFCHAIN,
        len(entry.data),
    )


def _header(fat_sectors: int, dir_start: int) -> bytes:
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack(
            "<IIIIIIIII", 0, fat_sectors, dir_start, 0, MINI_CUTOFF, ENDOFCHAIN, 0, ENDOFCHAIN, 0
        )
        + struct.pack("<109I", *difat)
    )


def msg_file(
    *,
    subject: str,
    body: str = "",
    html: bytes = b"",
    sender: str = "",
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """An Outlook .msg with the properties the shield's reader looks at."""

    def text(value: str) -> bytes:
        return value.encode("utf-16-le")

    tree: Tree = {
        "__properties_version1.0": b"\x00" * 32,
        "__substg1.0_0037001F": text(subject),
    }
    if body:
        tree["__substg1.0_1000001F"] = text(body)
    if html:
        tree["__substg1.0_10130102"] = html
    if sender:
        tree["__substg1.0_5D01001F"] = text(sender)
    for index, (name, data) in enumerate(attachments):
        tree[f"__attach_version1.0_#{index:08X}"] = {
            "__substg1.0_3707001F": text(name),
            "__substg1.0_37010102": data,
        }
    return build_cfb(tree)
