-- What each tool says about its rules (why a finding matters, how to fix it), per project, from
-- the latest upload that documented the rule; and the policy verdict a scan's report carried.

CREATE TABLE rule_doc (
    project BIGINT NOT NULL,
    tool TEXT NOT NULL,
    rule TEXT NOT NULL,
    title TEXT NOT NULL,
    why TEXT NOT NULL,
    fix TEXT NOT NULL,
    -- JSON arrays.
    cwe TEXT NOT NULL,
    refs TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project, tool, rule)
);

-- 1 passed, 0 failed, NULL: the results carried no verdict (SARIF, inventories).
ALTER TABLE scan ADD COLUMN policy_passed BIGINT;
-- The verdict as JSON ({"failing": n, "fail_on": "high"}), when there is one.
ALTER TABLE scan ADD COLUMN policy TEXT;
