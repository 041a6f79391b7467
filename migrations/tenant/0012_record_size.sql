-- A record's data is at most 256 KB as JSON text, checked by the write itself whatever its path
-- (create, replace, merge), so no series of merges grows a record without bound. NOT VALID: rows
-- written before the limit existed are not checked, and stay readable and editable downward.
ALTER TABLE records ADD CONSTRAINT records_data_size CHECK (octet_length(data::text) <= 262144) NOT VALID;
