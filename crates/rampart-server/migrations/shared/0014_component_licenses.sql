-- The licences an inventory names for each component (a JSON array of SPDX ids, expressions or
-- names; NULL when it names none).
ALTER TABLE component ADD COLUMN licenses TEXT;
