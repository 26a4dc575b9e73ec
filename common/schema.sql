-- geodir database schema. The single source of truth: compiled into libgdir_common by CMake
-- and applied by gdir_db_create_schema(). Version in PRAGMA user_version (see gdir_db.h).
-- Requires SpatiaLite metadata (InitSpatialMetadata) to exist before it runs.

-- Facts about the build: territory (the JSON configuration), build time, importer version.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per configured source. Every place names its source; licence travels with it.
CREATE TABLE sources (
    name          TEXT PRIMARY KEY,          -- configuration name, e.g. 'service-public'
    profile       TEXT NOT NULL,             -- mapping profile used, e.g. 'service-public-csv'
    title         TEXT NOT NULL,             -- human title of the dataset
    publisher     TEXT NOT NULL,             -- e.g. 'DILA', 'La Poste', 'OpenStreetMap'
    licence       TEXT NOT NULL,             -- SPDX-like id: 'etalab-2.0', 'ODbL-1.0'
    url           TEXT,                      -- where the data is published
    file          TEXT NOT NULL,             -- file read (as configured)
    data_date     TEXT,                      -- date of the source data (ISO 8601)
    imported_at   TEXT NOT NULL,             -- ISO 8601 UTC
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_imported INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0
);

-- The two-level taxonomy (copied from common/taxonomy.def at each build).
CREATE TABLE categories (
    code     TEXT PRIMARY KEY,
    parent   TEXT REFERENCES categories(code),
    label    TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX categories_parent ON categories(parent);

-- Member communes of the territory.
CREATE TABLE communes (
    insee      TEXT PRIMARY KEY,             -- code INSEE (COG)
    name       TEXT NOT NULL,
    postcodes  TEXT,                         -- '55250' or '55250|55260'
    population INTEGER,                      -- population municipale, if known
    source     TEXT,                         -- source of the boundary
    licence    TEXT
);
SELECT AddGeometryColumn('communes', 'geom', 4326, 'MULTIPOLYGON', 'XY');
SELECT CreateSpatialIndex('communes', 'geom');

-- The directory itself.
CREATE TABLE places (
    fid          INTEGER PRIMARY KEY,        -- internal row id (R*Tree key); not stable
    id           TEXT NOT NULL UNIQUE,       -- stable public id: '<source>:<source_id>'
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,              -- folded name (gdir_text_fold)
    category     TEXT NOT NULL REFERENCES categories(code),
    address      TEXT,                       -- address lines joined by '\n'
    postcode     TEXT,
    insee        TEXT,                       -- commune INSEE code
    phone        TEXT,
    email        TEXT,
    website      TEXT,
    opening_hours TEXT,                      -- raw OSM opening_hours syntax
    description  TEXT,
    source       TEXT NOT NULL REFERENCES sources(name),
    source_id    TEXT NOT NULL,              -- identifier in that source
    licence      TEXT NOT NULL,
    source_date  TEXT,                       -- date of the source record or file
    wheelchair   TEXT,                       -- yes / limited / no (OSM values), NULL if unknown
    refs         TEXT,                       -- external ids, "scheme:value" space-separated
    geo_quality  TEXT,                       -- the source's own geolocation quality, as given
    geocode_precision TEXT,                  -- NULL: position from the source; else how geodir
                                             -- geocoded it: housenumber / street / municipality
    geocode_score REAL,                      -- 0..1 when geocoded
    UNIQUE (source, source_id)
);
SELECT AddGeometryColumn('places', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('places', 'geom');
CREATE INDEX places_category ON places(category);
CREATE INDEX places_insee ON places(insee);

-- Address points (BAN, BANO) that geocoding uses. Not part of the directory's places.
CREATE TABLE addresses (
    fid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL,              -- id in the source (BAN cle_interop, BANO id)
    housenumber  TEXT,                       -- as published: '12', '1BIS', '8 ter'; NULL for
                                             -- a street-level point (lieu-dit, toponym)
    street       TEXT NOT NULL,              -- street name as published
    postcode     TEXT,
    insee        TEXT NOT NULL,
    city         TEXT,
    source       TEXT NOT NULL REFERENCES sources(name),
    licence      TEXT NOT NULL
);
SELECT AddGeometryColumn('addresses', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('addresses', 'geom');
CREATE INDEX addresses_insee ON addresses(insee);

-- Accent- and case-insensitive full-text index on names (external content, rebuilt at the end
-- of an import).
CREATE VIRTUAL TABLE places_fts USING fts5(
    name, content='places', content_rowid='fid', tokenize="unicode61 remove_diacritics 2"
);
