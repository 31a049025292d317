-- 0012: where each IDS log tailer stands in each file it follows. The file is told apart by device and inode (on
-- systems without inodes: device 0 and the file's creation time), so a rotated file is recognised under its new name.
-- A row is written in the transaction that stores the lines read up to file_offset, so a restart resumes there.
-- version is bumped by every write: a second Api following the same file loses the race instead of storing twice.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE ids_tail_positions (
    id INTEGER NOT NULL PRIMARY KEY,
    tailer TEXT NOT NULL,
    path TEXT NOT NULL,
    device INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    file_offset INTEGER NOT NULL CHECK (file_offset >= 0),
    last_size INTEGER NOT NULL,
    format TEXT NULL,
    zeek_fields TEXT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX ux_ids_tail_positions_path ON ids_tail_positions (tailer, path);
