-- bo_schema.sql — the back office's tables in the forms database (docs/backoffice.md §1-5):
-- agents and their scope, sessions, login failures (throttling), the append-only audit log,
-- the agents' saved queue views. Compiled into bo_db.c (backoffice/CMakeLists.txt) and applied
-- by bo_db_open (idempotent: CREATE … IF NOT EXISTS). Times are Unix seconds (UTC).
-- The forms store owns PRAGMA user_version; this part records its own version in meta.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS agents (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 1 AND 64),
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'commune', 'service')),
    password_hash TEXT NOT NULL,          -- crypto_pwhash_str (Argon2id, "$argon2id$…")
    totp_secret   BLOB,                   -- 20 random bytes (RFC 6238, SHA-1), NULL: no TOTP
    totp_last     INTEGER NOT NULL DEFAULT 0,   -- last time step accepted (no replay)
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS agent_communes (
    agent   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    commune TEXT NOT NULL,                -- INSEE code
    PRIMARY KEY (agent, commune)
);

CREATE TABLE IF NOT EXISTS agent_forms (
    agent   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    form_id TEXT NOT NULL,
    PRIMARY KEY (agent, form_id)
);

-- One row per open session: the SHA-256 of the cookie's 32 random bytes, never the value.
CREATE TABLE IF NOT EXISTS sessions (
    id_hash      BLOB PRIMARY KEY CHECK (length(id_hash) = 32),
    agent        INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    csrf         TEXT NOT NULL            -- base64url of 32 random bytes
);
CREATE INDEX IF NOT EXISTS sessions_agent ON sessions(agent);

-- Failed logins of the last 15 minutes (older rows are deleted at each login).
CREATE TABLE IF NOT EXISTS login_failures (
    id    INTEGER PRIMARY KEY,
    login TEXT NOT NULL,
    peer  TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_login ON login_failures(login, at);
CREATE INDEX IF NOT EXISTS login_failures_peer ON login_failures(peer, at);

-- The audit log (§5): ids and statuses, never field values. Append-only.
CREATE TABLE IF NOT EXISTS audit (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,            -- agent login, 'resident' or 'system'
    peer        TEXT,                     -- client address
    action      TEXT NOT NULL,
    request_id  INTEGER,                  -- no foreign key: the row outlives a purge
    from_status TEXT,
    to_status   TEXT,
    motivation  TEXT
);
CREATE INDEX IF NOT EXISTS audit_request ON audit(request_id, at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

-- An agent's saved queue filters (GET/POST /api/bo/views).
CREATE TABLE IF NOT EXISTS views (
    id         INTEGER PRIMARY KEY,
    agent      INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,             -- the queue's query string
    created_at INTEGER NOT NULL,
    UNIQUE (agent, name)
);

-- Who handles a request (POST /api/bo/requests/{id}/assign): at most one agent each.
CREATE TABLE IF NOT EXISTS assignments (
    request_id INTEGER PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,
    agent      INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL
);

INSERT OR IGNORE INTO meta (key, value) VALUES ('bo_schema', 1);
