-- Trust the gate (issue 9): who saved a directory configuration decides
-- whether its runs may suspend admins (only one the PMA saved may).
ALTER TABLE directory_configs ADD COLUMN saved_by TEXT;
