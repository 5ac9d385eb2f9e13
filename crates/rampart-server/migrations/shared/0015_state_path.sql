-- Each finding's first place (the least path) in the latest scan that saw it on the branch, kept
-- on its state so the finding list's path filter compares one column instead of looking each
-- finding's places up (PostgreSQL: p50 47 ms for a page of a 50,000-finding branch filtered by a
-- folder, under load).
ALTER TABLE finding_state ADD COLUMN path TEXT;
UPDATE finding_state SET path = (
    SELECT MIN(o.path) FROM occurrence o
    WHERE o.finding = finding_state.finding AND o.scan = finding_state.last_seen_scan
);
