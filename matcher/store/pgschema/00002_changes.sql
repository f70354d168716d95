-- The change log that replicas follow: every record and category a write
-- put (value) or deleted (NULL), under the write's sequence, in the write's
-- transaction. A replica applies the changes after its own sequence in
-- order (LISTEN allymatch_changes wakes it; it polls as well). Old entries
-- are pruned: a replica that falls further behind loads the store anew.

-- +goose Up
CREATE TABLE allymatch_changes (
    id     bigserial PRIMARY KEY,
    seq    bigint NOT NULL,
    bucket text NOT NULL,
    key    bytea NOT NULL,
    value  bytea
);
CREATE INDEX allymatch_changes_seq ON allymatch_changes (seq);

-- +goose Down
DROP TABLE allymatch_changes;
