-- forms_schema.sql — the database of the online procedures (docs/forms.md §3): the requests
-- residents file, their history, attachments, messages, and the e-mails waiting to be sent.
-- Its own file (forms_db), written by geodir-api only, never swapped by the importer. Compiled
-- into forms_store.c (forms/CMakeLists.txt); PRAGMA user_version says which version it is.
-- Times are Unix seconds (UTC). Issue 13 (the back office) extends events and adds its tables.

-- Settings of this database: the CSRF secret (32 random bytes, created once).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS requests (
    id           INTEGER PRIMARY KEY,
    form_id      TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    code         TEXT NOT NULL UNIQUE
                 CHECK (length(code) = 8 AND code GLOB '[A-Z][A-Z][A-Z][A-Z][A-Z][A-Z][A-Z][A-Z]'),
    token_hash   BLOB NOT NULL CHECK (length(token_hash) = 32),   -- SHA-256 of the token text
    commune      TEXT,               -- routing: the handling commune's INSEE code
    service      TEXT,               -- routing: the handling service
    status       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    closed_at    INTEGER,            -- the last move to a terminal status (retention)
    values_json  TEXT NOT NULL,      -- the validated, normalised values
    email        TEXT,               -- where the receipt and notifications go
    health_purged_at INTEGER         -- version 2: when its health fields were emptied (RGPD)
);
CREATE INDEX IF NOT EXISTS requests_form_status ON requests(form_id, status);
CREATE INDEX IF NOT EXISTS requests_commune ON requests(commune, status);

-- History and audit: one row per status change or action.
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('resident', 'agent', 'system')),
    actor_id    TEXT,                -- the agent's id (issue 13), NULL for the resident
    from_status TEXT,
    to_status   TEXT,
    message     TEXT,
    visible     INTEGER NOT NULL DEFAULT 1   -- 1: shown to the resident; 0: internal
);
CREATE INDEX IF NOT EXISTS events_request ON events(request_id, at);

CREATE TABLE IF NOT EXISTS attachments (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,    -- 1, 2, ... within the request (the URL's {n})
    field       TEXT NOT NULL,       -- field path, "enfants[0].vaccinations"
    original    TEXT NOT NULL,       -- the name the browser sent (display only)
    type        TEXT NOT NULL CHECK (type IN ('pdf', 'jpeg', 'png')),
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    stored      TEXT NOT NULL UNIQUE,   -- random file name in forms_files_dir
    created_at  INTEGER NOT NULL,
    UNIQUE (request_id, n)
);

-- Messages between the agents and the resident.
CREATE TABLE IF NOT EXISTS messages (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    sender      TEXT NOT NULL CHECK (sender IN ('resident', 'agent')),
    agent_id    TEXT,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_request ON messages(request_id, at);

-- E-mails to send (docs/backoffice.md §6: geoapi's sender, retried with backoff). A row is
-- claimed (attempts + 1, next_attempt_at pushed back) before it is sent, marked sent_at after.
-- secret: the follow link a receipt carries, blanked from body once sent (version 2).
CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER REFERENCES requests(id) ON DELETE SET NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT,            -- version 2: the last failure (the server's reply)
    secret          TEXT             -- version 2: see above
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_request ON outbox(request_id);
CREATE INDEX IF NOT EXISTS requests_email ON requests(email);
