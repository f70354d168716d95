-- The PostgreSQL engine of the store: the buckets of keys and values that
-- the bbolt file holds, as rows. Values are the same sealed bytes (JSON
-- and a CRC-32C, see Seal); allymatch_json shows them as jsonb for
-- reporting tools.

-- +goose Up
CREATE TABLE allymatch_buckets (
    name     text PRIMARY KEY,
    sequence bigint NOT NULL DEFAULT 0 -- the bucket's counter (ordered keys)
);

CREATE TABLE allymatch_kv (
    bucket text NOT NULL REFERENCES allymatch_buckets (name) ON DELETE CASCADE,
    key    bytea NOT NULL,
    value  bytea NOT NULL,
    PRIMARY KEY (bucket, key)
);

-- Records, events, categories and logins as JSON (read-only; the meta
-- bucket holds no JSON). Keys of records and categories are their ids.
CREATE VIEW allymatch_json AS
SELECT bucket, key, convert_from(substring(value FROM 1 FOR length(value) - 4), 'UTF8')::jsonb AS doc
FROM allymatch_kv
WHERE bucket <> 'meta';

-- +goose Down
DROP VIEW allymatch_json;
DROP TABLE allymatch_kv;
DROP TABLE allymatch_buckets;
