-- life_schema.sql — the daily-life items in the forms database (docs/vie-locale.md §1): events
-- of the agenda, news and alerts, their communes, their images and the append-only audit of
-- every change. Compiled into life_db.c (life/CMakeLists.txt) and applied by life_db_open
-- (idempotent: CREATE … IF NOT EXISTS). Times are Unix seconds (UTC) except the events' local
-- wall-clock times (Europe/Paris) "YYYY-MM-DDTHH:MM", or "YYYY-MM-DD" for all-day events.
-- meta 'life_version' counts the writes (+1 in each writing transaction): the ETags of the
-- public answers are made from it.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS life_items (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('event', 'news', 'alert')),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published', 'unpublished')),
    publish_at      INTEGER,            -- published: visible from then (NULL: at once)
    published_at    INTEGER,            -- the last publication
    title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    text_html       TEXT NOT NULL CHECK (length(text_html) <= 65536),   -- life_text_sanitise
    text_plain      TEXT NOT NULL CHECK (length(text_plain) <= 65536),
    -- events: local times, recurrence (canonical RRULE, life_rrule_format) and the exceptions
    start_local     TEXT CHECK (start_local IS NULL OR length(start_local) IN (10, 16)),
    end_local       TEXT CHECK (end_local IS NULL OR length(end_local) IN (10, 16)),
    all_day         INTEGER NOT NULL DEFAULT 0,
    rrule           TEXT CHECK (rrule IS NULL OR length(rrule) <= 256),
    exdates         TEXT CHECK (exdates IS NULL OR length(exdates) <= 2000),   -- space-separated
    start_utc       INTEGER,            -- the first occurrence (events)
    end_utc         INTEGER,
    last_utc        INTEGER,            -- the end of the last occurrence; NULL: no end
    -- where: a place of the directory, or an address with its point
    place_id        TEXT CHECK (place_id IS NULL OR length(place_id) <= 160),
    place_name      TEXT CHECK (place_name IS NULL OR length(place_name) <= 300),
    address         TEXT CHECK (address IS NULL OR length(address) <= 300),
    lat             REAL,
    lon             REAL,
    territory       INTEGER NOT NULL DEFAULT 0,   -- 1: the whole territory (administrators)
    organiser       TEXT CHECK (organiser IS NULL OR length(organiser) <= 200),
    organiser_place TEXT CHECK (organiser_place IS NULL OR length(organiser_place) <= 160),
    category        TEXT CHECK (category IS NULL OR category IN ('fete', 'marche', 'sport',
                    'culture', 'reunion', 'permanence', 'nature', 'solidarite', 'autre')),
    price           TEXT CHECK (price IS NULL OR length(price) <= 200),
    free            INTEGER NOT NULL DEFAULT 0,
    accessibility   TEXT CHECK (accessibility IS NULL OR length(accessibility) <= 500),
    url             TEXT CHECK (url IS NULL OR length(url) <= 500),
    contact_email   TEXT CHECK (contact_email IS NULL OR length(contact_email) <= 254),
    contact_phone   TEXT CHECK (contact_phone IS NULL OR length(contact_phone) <= 40),
    -- alerts
    severity        TEXT CHECK (severity IS NULL OR severity IN ('info', 'warning', 'critical')),
    valid_from      INTEGER,
    valid_until     INTEGER,
    -- provenance and licence
    author          TEXT NOT NULL,      -- the agent's login
    source          TEXT CHECK (source IS NULL OR length(source) <= 200),
    publisher       TEXT NOT NULL CHECK (length(publisher) <= 200),
    licence         TEXT NOT NULL DEFAULT 'etalab-2.0',
    proposal        INTEGER UNIQUE,     -- the request of an accepted proposal
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS life_items_kind ON life_items(kind, status, start_utc);

CREATE TABLE IF NOT EXISTS life_communes (
    item    INTEGER NOT NULL REFERENCES life_items(id) ON DELETE CASCADE,
    insee   TEXT NOT NULL CHECK (length(insee) = 5),
    PRIMARY KEY (item, insee)
);
CREATE INDEX IF NOT EXISTS life_communes_insee ON life_communes(insee, item);

CREATE TABLE IF NOT EXISTS life_images (
    item    INTEGER PRIMARY KEY REFERENCES life_items(id) ON DELETE CASCADE,
    type    TEXT NOT NULL CHECK (type IN ('image/jpeg', 'image/png', 'image/webp')),
    data    BLOB NOT NULL CHECK (length(data) <= 2097152),
    sha256  TEXT NOT NULL
);

-- Every change of an item (create, update, publish, unpublish, image, proposal_accept):
-- who, when, from where, and the statuses; never the texts. Append-only.
CREATE TABLE IF NOT EXISTS life_audit (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,          -- the agent's login or 'system'
    peer        TEXT,
    action      TEXT NOT NULL,
    item        INTEGER NOT NULL,       -- no foreign key: the row outlives the item
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    request_id  INTEGER                 -- the proposal's request, if any
);
CREATE INDEX IF NOT EXISTS life_audit_item ON life_audit(item, at);
CREATE TRIGGER IF NOT EXISTS life_audit_no_update BEFORE UPDATE ON life_audit
BEGIN
    SELECT RAISE(ABORT, 'life_audit is append-only');
END;
CREATE TRIGGER IF NOT EXISTS life_audit_no_delete BEFORE DELETE ON life_audit
BEGIN
    SELECT RAISE(ABORT, 'life_audit is append-only');
END;

INSERT OR IGNORE INTO meta (key, value) VALUES ('life_schema', 1);
INSERT OR IGNORE INTO meta (key, value) VALUES ('life_version', 0);
