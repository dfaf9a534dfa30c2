#!/usr/bin/env python3
"""Which B-trees a SQLite database's commits wrote, read from its write-ahead log.

Each WAL frame is one page a commit wrote; this script counts, per commit, the frames that went
to each table and index (using SQLite's `dbstat` table on a copy of the database), so that write
amplification can be seen: how many pages a commit rewrote against how many rows it added.

    load/wal-frames.py data/agentidp.db          # the server must have stopped (kill -9 is fine)

Only the frames since the WAL was last restarted are in the file. The database and its WAL are
copied first, so the server's files are not changed. Needs Python's sqlite3 with `dbstat`.
"""

import collections
import shutil
import sqlite3
import struct
import sys
import tempfile
from pathlib import Path

WAL_HEADER = struct.Struct(">IIIIIIII")
FRAME_HEADER = struct.Struct(">IIIIII")


def commits(wal: bytes) -> list[list[int]]:
    """The page numbers of each committed transaction in a WAL image, oldest first."""
    _magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = WAL_HEADER.unpack_from(wal)
    done, current, offset = [], [], WAL_HEADER.size
    while offset + FRAME_HEADER.size + page_size <= len(wal):
        page, db_size, s1, s2, _k1, _k2 = FRAME_HEADER.unpack_from(wal, offset)
        if (s1, s2) != (salt1, salt2):
            break  # frames left over from before the last restart
        current.append(page)
        if db_size:  # a commit frame records the database size after the commit
            done.append(current)
            current = []
        offset += FRAME_HEADER.size + page_size
    return done


def owners(db: Path) -> dict[int, str]:
    """Which table or index each page of the database (with its WAL applied) belongs to."""
    with sqlite3.connect(db) as con:
        return {page: name for name, page in con.execute("SELECT name, pageno FROM dbstat")}


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    source = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copy(source, copy)
        shutil.copy(f"{source}-wal", f"{copy}-wal")
        wal = Path(f"{copy}-wal").read_bytes()
        found = commits(wal)
        owner = owners(copy)
    if not found:
        sys.exit("no committed frames in the WAL")
    per_tree = collections.Counter(owner.get(p, "(free)") for c in found for p in set(c))
    frames = sum(len(set(c)) for c in found)
    print(f"{len(found)} commits, {frames / len(found):.1f} distinct pages each on average")
    for name, count in per_tree.most_common():
        print(f"  {count / len(found):6.2f}  {name}")


if __name__ == "__main__":
    main()
