-- Server-evaluated formulas (SPEC §14): a cell whose formula evaluates to an error keeps the
-- error's text in `value` and says so in `error`; NULL for every other cell.
ALTER TABLE cells ADD COLUMN error TEXT;
ALTER TABLE cell_history ADD COLUMN error TEXT;
