-- Schema version 14 of a shop in PostgreSQL: lanes. Each process's writer holds a lane (a
-- session advisory lock) and appends the audit log and the outbox in a lane of its own:
-- numbers lane * 2^40 + 1, 2, ... in its commit order, with the lane's head and counters
-- in records of their own (meta "audit_head/" and counters "audit_seq/", "outbox_seq/",
-- each followed by the lane), so the commits of two processes do not share the log's
-- records. Lane 0 is the log as it was. Each outbox consumer keeps a cursor per lane
-- (store table `outbox_lane_cursors`, tag 72: lane, consumer -> the last number acknowledged;
-- lane 0's stays in outbox_cursors), since the lanes commit in orders of their own.
CREATE TABLE "outbox_lane_cursors" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
