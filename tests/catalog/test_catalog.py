#!/usr/bin/env python3
"""The DCAT-AP catalogue (/catalog.jsonld, /catalog.ttl, /catalog.rdf, /catalog) of the real
geodir-api over the database and full exports built by the real geodir-import (build_db.py).

Checks:
  - syntax: the JSON-LD is JSON and reads as JSON-LD, both by jsonld.js (a conforming JSON-LD
    1.1 processor, tests/catalog/package.json) and by the strict reader of rdflib_min.py; the
    Turtle and the RDF/XML are read by raptor's `rapper` (Debian raptor2-utils); the three give
    the same triples. A missing rapper, node or jsonld.js fails the test;
  - the DCAT-AP 3.0 properties of every class (REQUIRED below), Hydra paging;
  - every full export of table exports is a distribution whose download URL answers 200 with
    the declared media type, byte size and SHA-256; licences are right (ODbL data never under
    the Licence Ouverte), the publisher is the EPCI by SIREN;
  - hostile source titles, publishers and keywords come out intact in all three syntaxes;
  - negotiation, ETag/304, Host-built URLs, page and parameter errors.

usage: test_catalog.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import csv
from collections import Counter
import hashlib
import io
import json
import re
import os
import shutil
import sqlite3
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from geodir_test import ApiServer, check, finish  # noqa: E402
from rdflib_min import RDF_TYPE, jsonld_triples, parse_ntriples  # noqa: E402
from build_db import (HOSTILE_KEYWORD, HOSTILE_PUBLISHER, HOSTILE_TITLE,  # noqa: E402
                      N_BANO, REPEATED_KEYWORDS)

API, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
CATEGORY_DATASETS = []     # filled by main(): the per-category datasets of the fixture
DATASETS = []              # filled by main(): every dataset of the fixture
NODE = os.environ.get("GEODIR_NODE") or "node"

NS = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#", "hydra": "http://www.w3.org/ns/hydra/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
}
LO = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"
LICENCE_URL = {"etalab-2.0": LO, "ODbL-1.0": ODBL}
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQ = "http://publications.europa.eu/resource/authority/frequency/"
EU_FILETYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
SIREN = "200066140"


def u(curie):
    prefix, local = curie.split(":", 1)
    return NS[prefix] + local


# DCAT-AP 3.0 (mandatory and recommended) properties, plus what data.gouv.fr's harvester maps
# and what this catalogue promises (docs/opendata.md), per class.
REQUIRED = {
    "dcat:Catalog": ["dct:title", "dct:description", "dct:publisher", "foaf:homepage",
                     "dct:language", "dct:modified", "dct:license", "dct:spatial",
                     "dcat:dataset", "dcat:service", "hydra:view", "hydra:totalItems"],
    "dcat:Dataset": ["dct:title", "dct:description", "dct:identifier", "dcat:keyword",
                     "dcat:theme", "dct:publisher", "dct:spatial", "dct:temporal",
                     "dct:accrualPeriodicity", "dct:issued", "dct:modified",
                     "dcat:landingPage", "dcat:contactPoint", "dcat:distribution",
                     "dct:license", "dct:rights", "dct:language"],
    "dcat:Distribution": ["dct:title", "dcat:accessURL", "dct:license", "dct:rights"],
    "dcat:DataService": ["dct:title", "dcat:endpointURL", "dcat:servesDataset",
                         "dct:publisher", "dcat:contactPoint"],
    "foaf:Agent": ["foaf:name", "dct:identifier", "dct:type"],
    "vcard:Organization": ["vcard:fn", "vcard:hasEmail"],
    "dct:Location": ["dcat:bbox", "skos:prefLabel", "dct:identifier"],
    "dct:PeriodOfTime": ["dcat:startDate", "dcat:endDate"],
    "spdx:Checksum": ["spdx:algorithm", "spdx:checksumValue"],
    "dct:RightsStatement": ["rdfs:label"],
    "hydra:PartialCollectionView": ["hydra:first", "hydra:last", "hydra:totalItems"],
}
SCDL_COLUMNS = ["COLL_NOM", "COLL_SIRET", "ID", "TITRE", "DESCRIPTION", "THEME", "PRODUCTEUR_NOM",
                "PRODUCTEUR_SIRET", "COUV_SPAT_MAILLE", "COUV_SPAT_NOM", "COUV_TEMP_DEBUT",
                "COUV_TEMP_FIN", "DATE_PUBL", "FREQ_MAJ", "DATE_MAJ", "MOTS_CLES", "LICENCE",
                "NOMBRE_RESSOURCES", "FORMAT_RESSOURCES", "URL"]
SCDL_MAILLES = {"Infracommunale", "Communale", "Intercommunale", "Cantonale", "Départementale",
                "Régionale", "Autre"}
# A file distribution (one with a downloadURL) must also say these.
FILE_REQUIRED = ["dcat:downloadURL", "dcat:byteSize", "spdx:checksum", "dct:issued",
                 "dct:modified"]


class Graph:
    def __init__(self, triples):
        self.triples = set(triples)
        self.by_s = {}
        for s, p, o in self.triples:
            self.by_s.setdefault(s, {}).setdefault(p, []).append(o)

    def objs(self, s, p):
        return self.by_s.get(s, {}).get(u(p) if ":" in p and not p.startswith("http") else p,
                                        [])

    def one(self, s, p):
        v = self.objs(s, p)
        return v[0] if len(v) == 1 else None

    def iri(self, s, p):
        v = self.one(s, p)
        return v[1] if v and v[0] == "iri" else None

    def lit(self, s, p):
        v = self.one(s, p)
        return v[1] if v and v[0] == "lit" else None

    def of_type(self, cls):
        return sorted(s for s, p, o in self.triples if p == RDF_TYPE and o == ("iri", u(cls)))


def rapper(path, syntax):
    run = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "ntriples", path,
                          "http://base.invalid/"], capture_output=True, text=True, timeout=60)
    check(run.returncode == 0, f"rapper reads the {syntax} catalogue without error"
          + (f" ({run.stderr.strip()[:300]})" if run.returncode else ""))
    return parse_ntriples(run.stdout)


def normalized(triples, ext):
    """The Hydra view is named after the document (catalog.ttl?page=1...): one name for all."""
    out = set()
    for s, p, o in triples:
        s = s.replace(f"/catalog{ext}?page=", "/catalog.X?page=")
        if o[0] == "iri":
            o = ("iri", o[1].replace(f"/catalog{ext}?page=", "/catalog.X?page="))
        out.add((s, p, o))
    return out


def main():
    os.makedirs(WORK, exist_ok=True)
    check(shutil.which("rapper") is not None,
          "rapper (Debian raptor2-utils, installed by scripts/deps) is available")
    check(shutil.which(NODE) is not None and
          os.path.isdir(os.path.join(HERE, "node_modules", "jsonld")),
          "node and jsonld.js (tests/catalog/node_modules, `npm ci` by scripts/deps) are there")
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    exports = [dict(zip(["name", "dataset", "format", "licence", "media_type", "size", "sha256",
                         "records", "excluded", "created"], r))
               for r in con.execute("SELECT name, dataset, format, licence, media_type, size, "
                                    "sha256, records, excluded, created FROM exports "
                                    "ORDER BY name")]
    con.close()
    check(any(e["dataset"] == "places" and e["licence"] == "etalab-2.0" for e in exports) and
          any(e["dataset"] == "places" and e["licence"] == "ODbL-1.0" for e in exports),
          f"the importer built full exports of the places under both licences ({len(exports)} "
          "rows in table exports)")

    srv = ApiServer(API, ["--port", "0", "--db", DB, "--static_dir",
                          os.path.join(SRC, "map-ui")], os.path.join(WORK, "server.log"),
                    name="catalogue server")
    base = srv.base
    try:
        docs = {}
        for ext, ctype in ((".jsonld", "application/ld+json"), (".ttl", "text/turtle"),
                           (".rdf", "application/rdf+xml")):
            status, h, body = srv.request("GET", "/catalog" + ext)
            check(status == 200 and h.get("content-type", "").split(";")[0] == ctype,
                  f"/catalog{ext}: 200 {ctype} (got {status} {h.get('content-type')})")
            check(h.get("etag", "").startswith('"'), f"/catalog{ext}: an ETag")
            docs[ext] = (h, body)
            with open(os.path.join(WORK, "catalog" + ext), "wb") as f:
                f.write(body)

        # ---- syntax: three readings, one set of triples ----
        try:
            doc = json.loads(docs[".jsonld"][1])
            prefixes, jt = jsonld_triples(doc)
            check(True, f"JSON-LD parses and reads as JSON-LD 1.1 ({len(jt)} triples)")
        except ValueError as e:
            check(False, f"JSON-LD reads: {e}")
            return
        check(all(prefixes.get(k) == v for k, v in NS.items() if k in prefixes) and
              {"dcat", "dct", "foaf", "vcard", "spdx", "hydra", "xsd"} <= set(prefixes),
              "the @context maps the DCAT-AP prefixes to their namespaces")
        # A conforming JSON-LD 1.1 processor (jsonld.js, safe mode) must read the same triples.
        run = subprocess.run([NODE, os.path.join(HERE, "jsonld_rdf.mjs"),
                              os.path.join(WORK, "catalog.jsonld")],
                             capture_output=True, text=True, timeout=60)
        check(run.returncode == 0, "jsonld.js reads the JSON-LD catalogue (safe mode)"
              + (f" — {run.stderr.strip()[:400]}" if run.returncode else ""))
        pt = parse_ntriples(run.stdout) if run.returncode == 0 else []
        check(set(pt) == set(jt) and len(pt) == len(jt),
              f"jsonld.js and the strict reader find the same triples ({len(pt)} / {len(jt)})")
        tt = rapper(os.path.join(WORK, "catalog.ttl"), "turtle")
        rt = rapper(os.path.join(WORK, "catalog.rdf"), "rdfxml")
        for name, ts in (("JSON-LD", jt), ("Turtle", tt), ("RDF/XML", rt)):
            twice = [t for t, n in Counter(ts).items() if n > 1]
            check(not twice, f"{name}: no triple is written twice (configured keywords that are "
                  f"also default ones included){' — ' + str(twice[:2]) if twice else ''}")
            kw = [t for t in ts if t[1] == u("dcat:keyword") and t[0].endswith("-ODbL-1.0") and
                  t[2][1] in REPEATED_KEYWORDS]
            check(len(kw) == len(set(kw)) and
                  {t[2][1] for t in kw if "#dataset-places-ODbL" in t[0]} >= {"annuaire"} and
                  {t[2][1] for t in kw if "#dataset-addresses-" in t[0]} >= {"adresses"},
                  f"{name}: a keyword both configured and default is said once ({len(kw)})")
        jn, tn, rn = normalized(jt, ".jsonld"), normalized(tt, ".ttl"), normalized(rt, ".rdf")
        check(jn == tn, f"Turtle and JSON-LD have the same triples ({len(tn)} / {len(jn)}; "
              f"only in Turtle: {list(tn - jn)[:2]}, only in JSON-LD: {list(jn - tn)[:2]})")
        check(jn == rn, f"RDF/XML and JSON-LD have the same triples ({len(rn)} / {len(jn)}; "
              f"only in RDF/XML: {list(rn - jn)[:2]}, only in JSON-LD: {list(jn - rn)[:2]})")
        g = Graph(jt)

        # ---- every class has its properties ----
        for cls, props in REQUIRED.items():
            nodes = g.of_type(cls)
            check(nodes, f"the catalogue has at least one {cls}")
            for n in nodes:
                missing = [p for p in props if not g.objs(n, p)]
                check(not missing, f"{cls} {n.rsplit('/', 1)[-1]}: has {', '.join(props)}"
                      + (f" — missing {missing}" if missing else ""))
        for n in g.of_type("dcat:Dataset") + g.of_type("dcat:Catalog"):
            for p in ("dct:title", "dct:description"):
                v = g.objs(n, p)
                check(len(v) == 1 and v[0][0] == "lit" and v[0][2] == "fr" and v[0][1].strip(),
                      f"{n.rsplit('#', 1)[-1]}: one {p}, in French (@fr)")

        # ---- the catalogue and its paging ----
        cats = g.of_type("dcat:Catalog")
        check(cats == [base + "/catalog"], f"one dcat:Catalog named {base}/catalog")
        cat = cats[0]
        datasets = [o[1] for o in g.objs(cat, "dcat:dataset")]
        check(sorted(datasets) == g.of_type("dcat:Dataset"),
              f"the catalogue lists every dataset ({len(datasets)})")
        DATASETS.extend(datasets)
        check(g.lit(cat, "hydra:totalItems") == str(len(datasets)),
              "hydra:totalItems counts the datasets")
        view = g.iri(cat, "hydra:view")
        check(view == base + "/catalog.jsonld?page=1" and
              ("iri", u("hydra:PartialCollectionView")) in g.objs(view, RDF_TYPE) and
              g.iri(view, "hydra:first") == view and g.iri(view, "hydra:last") == view and
              not g.objs(view, "hydra:next"),
              "Hydra: one PartialCollectionView, first = last = page 1, no next")
        check(g.iri(cat, "dct:language") ==
              "http://publications.europa.eu/resource/authority/language/FRA",
              "the catalogue's language is French (EU language FRA)")

        # ---- publisher, contact, territory ----
        pub = g.iri(cat, "dct:publisher")
        check(pub == "https://annuaire-entreprises.data.gouv.fr/entreprise/" + SIREN and
              g.lit(pub, "dct:identifier") == SIREN and
              ("iri", u("foaf:Organization")) in g.objs(pub, RDF_TYPE),
              f"the publisher is the EPCI, an organisation identified by its SIREN {SIREN}")
        for d in datasets:
            check(g.iri(d, "dct:publisher") == pub, f"{d.rsplit('#', 1)[-1]}: same publisher")
        contact = g.iri(datasets[0], "dcat:contactPoint")
        check(g.iri(contact, "vcard:hasEmail") == "mailto:contact@example.org",
              "the contact point's e-mail is the territory's contact")
        loc = g.iri(datasets[0], "dct:spatial")
        bbox = g.lit(loc, "dcat:bbox") or ""
        try:
            coords = bbox.split("((", 1)[1].rstrip(")").split(",")
            pts = [tuple(float(x) for x in c.split()) for c in coords]
            inside = all(4.9 < x < 5.4 and 48.7 < y < 49.2 for x, y in pts) and \
                pts[0] == pts[-1] and len(pts) == 5
        except (IndexError, ValueError):
            inside = False
        check(g.one(loc, "dcat:bbox")[3] == u("gsp:wktLiteral") and
              bbox.startswith("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON((") and
              inside, f"dct:spatial: a dcat:bbox WKT polygon around the communes ({bbox[:80]})")

        # ---- datasets: licence, themes, frequency, temporal ----
        by_licence = {}
        for d in datasets:
            lic = g.iri(d, "dct:license")
            by_licence.setdefault(lic, []).append(d)
            check(lic in (LO, ODBL), f"{d.rsplit('#', 1)[-1]}: licence is LO 2.0 or ODbL")
            check(all(t[1].startswith(EU_THEME) for t in g.objs(d, "dcat:theme")),
                  f"{d.rsplit('#', 1)[-1]}: themes from the EU data-theme vocabulary")
            check(g.iri(d, "dct:accrualPeriodicity") == EU_FREQ + "MONTHLY",
                  f"{d.rsplit('#', 1)[-1]}: frequency MONTHLY (open_data.update_frequency)")
            check(g.lit(d, "dct:identifier") == d, f"{d.rsplit('#', 1)[-1]}: dct:identifier is "
                  "its stable URI")
            kws = {o[1] for o in g.objs(d, "dcat:keyword")}
            check(HOSTILE_KEYWORD in kws and "annuaire de test" in kws,
                  f"{d.rsplit('#', 1)[-1]}: the configured keywords, intact")
        places_lo = base + "/catalog#dataset-places-etalab-2.0"
        places_odbl = base + "/catalog#dataset-places-ODbL-1.0"
        check(places_lo in datasets and places_odbl in datasets,
              "datasets: the places under the Licence Ouverte and under ODbL")
        check("Licence Ouverte" in g.lit(places_lo, "dct:title") and
              "ODbL" in g.lit(places_odbl, "dct:title"), "the titles name their licence")
        for d, start, end in ((places_lo, "2025-06-01", "2025-06-01"),
                              (places_odbl, "2025-06-01", "2026-02-15")):
            per = g.iri(d, "dct:temporal")
            check(g.one(per, "dcat:startDate") == ("lit", start, None, u("xsd:date")) and
                  g.one(per, "dcat:endDate") == ("lit", end, None, u("xsd:date")),
                  f"{d.rsplit('#', 1)[-1]}: temporal coverage {start}..{end} (its sources' "
                  "data dates)")
        check("OpenStreetMap (essai)" not in g.lit(places_lo, "dct:description") and
              "OpenStreetMap (essai)" in g.lit(places_odbl, "dct:description"),
              "the ODbL source is listed under the ODbL dataset only")

        # ---- distributions: every export, its URL, type, size, checksum, licence ----
        dists = {}
        for d in datasets:
            for o in g.objs(d, "dcat:distribution"):
                dists[o[1]] = d
        check(sorted(dists) == g.of_type("dcat:Distribution"),
              f"every distribution belongs to a dataset ({len(dists)})")
        by_url, ondemand = {}, {}
        for dist, d in dists.items():
            dl = g.iri(dist, "dcat:downloadURL")
            if dl and dl.startswith(base + "/data/"):
                by_url[dl] = (dist, d)
            elif dl:
                ondemand[dl] = (dist, d)
        check(len(by_url) == len(exports),
              f"one file distribution per row of table exports ({len(by_url)} / {len(exports)})")
        for e in exports:
            url = f"{base}/data/{e['name']}"
            if not check(url in by_url, f"{e['name']}: a distribution downloads {url}"):
                continue
            dist, d = by_url[url]
            missing = [p for p in FILE_REQUIRED if not g.objs(dist, p)]
            check(not missing, f"{e['name']}: file distribution has {FILE_REQUIRED}"
                  + (f" — missing {missing}" if missing else ""))
            check(g.iri(dist, "dct:license") == LICENCE_URL[e["licence"]] and
                  g.iri(d, "dct:license") == LICENCE_URL[e["licence"]],
                  f"{e['name']}: distribution and dataset under {e['licence']}")
            check(g.one(dist, "dcat:byteSize") ==
                  ("lit", str(e["size"]), None, u("xsd:nonNegativeInteger")),
                  f"{e['name']}: dcat:byteSize {e['size']}")
            ck = g.iri(dist, "spdx:checksum")
            check(g.iri(ck, "spdx:algorithm") == u("spdx:checksumAlgorithm_sha256") and
                  g.lit(ck, "spdx:checksumValue") == e["sha256"],
                  f"{e['name']}: spdx:checksum sha256 {e['sha256'][:12]}…")
            mt = g.iri(dist, "dcat:mediaType")
            base_type = e["media_type"].split(";")[0].strip()
            check(mt is None and e["format"] == "fgb" or mt == IANA + base_type,
                  f"{e['name']}: dcat:mediaType {mt} (IANA URI of {base_type})")
            # FlatGeobuf has neither an EU file-type nor an IANA media type: both left out.
            fmt = g.iri(dist, "dct:format")
            check(fmt is None and e["format"] == "fgb" or
                  fmt is not None and fmt.startswith(EU_FILETYPE),
                  f"{e['name']}: dct:format from the EU file-type vocabulary ({fmt})")
            status, h, body = srv.request("GET", f"/data/{e['name']}")
            check(status == 200, f"GET {url}: 200 (got {status})")
            got_type = h.get("content-type", "").split(";")[0].strip()
            check(got_type == base_type, f"{e['name']}: served as {base_type} (got {got_type})")
            check(len(body) == e["size"] and hashlib.sha256(body).hexdigest() == e["sha256"],
                  f"{e['name']}: the body has the declared size and SHA-256")
        # On-demand downloads (one dataset per top-level category and licence): /api/export
        # with the dataset's licence and category, answering in the declared media type.
        cat_datasets = [d for d in datasets if re.search(r"#dataset-places-[a-z-]+-(etalab-2\.0|"
                                                         r"ODbL-1\.0)$", d)]
        CATEGORY_DATASETS.extend(cat_datasets)
        check(len(cat_datasets) >= 4, f"one dataset per top-level category with places and "
              f"licence ({len(cat_datasets)})")
        check(ondemand and all(x.startswith(base + "/api/export?") for x in ondemand),
              f"the other downloads are on-demand exports ({len(ondemand)})")
        for dl, (dist, d) in sorted(ondemand.items()):
            lic = "ODbL-1.0" if g.iri(d, "dct:license") == ODBL else "etalab-2.0"
            q = dict(p.split("=", 1) for p in dl.split("?", 1)[1].split("&"))
            code = d.rsplit("#dataset-places-", 1)[1][:-len(lic) - 1]
            check(q.get("licence") == lic and q.get("category") == code and
                  g.iri(dist, "dct:license") == LICENCE_URL[lic] and
                  not g.objs(dist, "dcat:byteSize"),
                  f"{dist.rsplit('#', 1)[-1]}: licence {lic}, category {code}, no byteSize")
            status, h, body = srv.request("GET", dl[len(base):])
            mt = (g.iri(dist, "dcat:mediaType") or "")[len(IANA):]
            check(status == 200 and h.get("content-type", "").split(";")[0] == mt and
                  h.get("geodir-licence") == lic and len(body) > 0,
                  f"GET {dl[len(base):]}: 200 {mt} under {lic} (got {status} "
                  f"{h.get('content-type')} {h.get('geodir-licence')})")
        # ODbL data is never labelled Licence Ouverte: any distribution holding an ODbL export
        # is ODbL, and the LO datasets hold only LO files.
        for dist, d in dists.items():
            dl = g.iri(dist, "dcat:downloadURL")
            row = next((e for e in exports if dl == f"{base}/data/{e['name']}"), None)
            if row and row["licence"] == "ODbL-1.0":
                check(g.iri(d, "dct:license") == ODBL, f"{row['name']}: ODbL data in an ODbL "
                      "dataset")
        for d in by_licence.get(LO, []):
            for o in g.objs(d, "dcat:distribution"):
                check(g.iri(o[1], "dct:license") == LO,
                      f"{o[1].rsplit('#', 1)[-1]}: a LO dataset's distribution is LO")
        lo_rows = [e for e in exports if e["dataset"] == "places" and e["licence"] == "etalab-2.0"]
        check(all(e["excluded"] > 0 for e in lo_rows) and
              "exclu" in g.lit(places_lo, "dct:description"),
              "the LO places left out ODbL records, and the dataset says so")

        # ---- services ----
        ogc = base + "/ogc"
        check(set(o[1] for o in g.objs(cat, "dcat:service")) == {ogc, base + "/api/places"},
              "two data services: the OGC API and the search API")
        check(g.iri(ogc, "dcat:endpointURL") == ogc and
              g.iri(ogc, "dcat:endpointDescription") == ogc + "/api" and
              places_odbl in [o[1] for o in g.objs(ogc, "dcat:servesDataset")],
              "the OGC API: endpoint /ogc, description /ogc/api, serves the whole directory")
        api_dists = [x for x in dists if g.iri(x, "dcat:accessService")]
        check(api_dists and all(g.iri(x, "dcat:accessService") == ogc for x in api_dists),
              "distributions reached through the OGC API name it as dcat:accessService")
        for target in [g.iri(x, "dcat:accessURL") for x in api_dists] + [ogc, ogc + "/api",
                                                                          base + "/api/places"]:
            status, _, _ = srv.request("GET", target[len(base):])
            check(status == 200, f"GET {target}: 200 (got {status})")

        addresses(srv, g, datasets, ogc)

        # ---- hostile strings, intact everywhere ----
        lits = [o[1] for _, _, o in jt if o[0] == "lit"]
        check(any(HOSTILE_TITLE in x for x in lits),
              "the hostile source title comes out intact (quotes, backslash, CR/LF/tab, "
              "markup, ]]>, ^^, @fr)")
        check(any(HOSTILE_PUBLISHER in x for x in lits),
              "the hostile publisher comes out intact")
        check(b"<script>" not in docs[".rdf"][1] and b"]]>" not in docs[".rdf"][1],
              "RDF/XML: markup in literals is escaped")

        # ---- the SCDL "Catalogue simplifié" (scdl/catalogue) ----
        status, h, body = srv.request("GET", "/catalog.csv")
        check(status == 200 and h.get("content-type", "").startswith("text/csv"),
              f"/catalog.csv: 200 text/csv (got {status} {h.get('content-type')})")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        check(rows and rows[0] == SCDL_COLUMNS, "catalogue CSV: the 20 columns of scdl/catalogue, "
              "in order")
        recs = [dict(zip(rows[0], r)) for r in rows[1:]]
        check(all(len(r) == len(SCDL_COLUMNS) for r in rows),
              "catalogue CSV: every row has 20 fields")
        check(sorted(base + "/catalog#dataset-" + r["ID"] for r in recs) == sorted(datasets),
              f"catalogue CSV: one row per DCAT dataset ({len(recs)})")
        for r in recs:
            iri = base + "/catalog#dataset-" + r["ID"]
            n_dist = len(g.objs(iri, "dcat:distribution"))
            bad = [k for k, v in r.items() if not v]
            bad += [k for k in ("COLL_SIRET", "PRODUCTEUR_SIRET")
                    if not re.fullmatch(r"\d{14}", r[k])]
            bad += [k for k in ("COUV_TEMP_DEBUT", "COUV_TEMP_FIN", "DATE_PUBL", "DATE_MAJ")
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[k])]
            bad += [] if r["COUV_SPAT_MAILLE"] in SCDL_MAILLES else ["COUV_SPAT_MAILLE"]
            bad += [] if r["FREQ_MAJ"] == "Mensuelle ou plusieurs fois par mois" else ["FREQ_MAJ"]
            want = "Open Database License-ODBL" if g.iri(iri, "dct:license") == ODBL \
                else "Licence Ouverte-LO"
            bad += [] if r["LICENCE"] == want else ["LICENCE"]
            bad += [] if r["NOMBRE_RESSOURCES"] == str(n_dist) else ["NOMBRE_RESSOURCES"]
            bad += [k for k in ("MOTS_CLES", "FORMAT_RESSOURCES")
                    if not re.fullmatch(r"[a-z0-9 ,'\-.]+(;[a-z0-9 ,'\-.]+)*", r[k])]
            bad += [] if r["TITRE"] == g.lit(iri, "dct:title") else ["TITRE"]
            bad += [] if r["DESCRIPTION"] == g.lit(iri, "dct:description") else ["DESCRIPTION"]
            check(not bad, f"catalogue CSV {r['ID']}: every field valid and as in the DCAT "
                  f"catalogue{' — wrong: ' + str(bad) if bad else ''}")

        # ---- negotiation, caching, hosts, errors ----
        for accept, ctype in (("text/turtle", "text/turtle"),
                              ("application/rdf+xml", "application/rdf+xml"),
                              ("application/ld+json", "application/ld+json"),
                              (None, "application/ld+json"),
                              ("text/html,application/xhtml+xml,*/*;q=0.8",
                               "application/ld+json"),
                              ("application/ld+json;q=0.5, text/turtle", "text/turtle")):
            status, h, body = srv.request("GET", "/catalog",
                                          headers={"Accept": accept} if accept else {})
            check(status == 200 and h.get("content-type", "").split(";")[0] == ctype and
                  "Accept" in h.get("vary", ""),
                  f"/catalog with Accept {accept!r}: {ctype}, Vary: Accept")
        status, _, _ = srv.request("GET", "/catalog", headers={"Accept": "image/png"})
        check(status == 406, f"/catalog with Accept image/png: 406 (got {status})")
        etag = docs[".ttl"][0]["etag"]
        status, _, body = srv.request("GET", "/catalog.ttl", headers={"If-None-Match": etag})
        check(status == 304 and not body, "If-None-Match with the tag: 304")
        status, h, body = srv.request("GET", "/catalog.ttl",
                                      headers={"Host": "donnees.example.fr"})
        check(status == 200 and b"donnees.example.fr" not in body and
              b"<http://localhost/catalog>" in body,
              "an unchecked Host never reaches the URLs (issue 10 D8): http://localhost instead")
        status, h, body = srv.request("GET", "/catalog.ttl",
                                      headers={"Host": "donnees.example.fr",
                                               "If-None-Match": etag})
        check(status == 200, "another host's tag does not match (200)")
        for target, want in (("/catalog.jsonld?page=2", 404), ("/catalog.jsonld?page=0", 400),
                             ("/catalog.ttl?page=abc", 400), ("/catalog.rdf?x=1", 400),
                             ("/catalog.jsonld?page=1", 200)):
            status, _, _ = srv.request("GET", target)
            check(status == want, f"GET {target}: {want} (got {status})")
        status, h, body = srv.request("HEAD", "/catalog.rdf")
        check(status == 200 and not body, "HEAD /catalog.rdf: 200 without a body")
        cors(srv)
    finally:
        code = srv.stop()
        check(code == 0, f"the server stopped cleanly (exit {code})")


CORS_HEADERS = ("access-control-allow-origin", "access-control-allow-methods",
                "access-control-allow-headers", "access-control-max-age",
                "access-control-expose-headers")


def cors(srv):
    """The catalogue answers cross-origin requests as the rest of the public API (/api/): a
    preflight and a simple request with an Origin, each header the same as /api/'s."""
    origin = {"Origin": "https://portail.example.org"}
    pre = dict(origin, **{"Access-Control-Request-Method": "GET",
                          "Access-Control-Request-Headers": "accept, if-none-match"})
    _, api_pre, _ = srv.request("OPTIONS", "/api/categories", headers=pre)
    _, api_get, _ = srv.request("GET", "/api/categories", headers=origin)
    check(api_pre.get("access-control-allow-origin") == "*", "/api/ preflight: the reference")
    for target in ("/catalog", "/catalog.jsonld", "/catalog.ttl", "/catalog.rdf",
                   "/catalog.csv"):
        status, h, body = srv.request("OPTIONS", target, headers=pre)
        got = {k: h.get(k) for k in CORS_HEADERS}
        want = {k: api_pre.get(k) for k in CORS_HEADERS}
        check(status == 204 and not body and got == want and
              "GET" in (h.get("access-control-allow-methods") or ""),
              f"OPTIONS {target} (CORS preflight): 204 with the API's CORS headers "
              f"(got {status} {got})")
        status, h, body = srv.request("GET", target, headers=origin)
        check(status == 200 and body and h.get("access-control-allow-origin") == "*" and
              h.get("access-control-expose-headers") ==
              api_get.get("access-control-expose-headers"),
              f"GET {target} with an Origin: 200, Access-Control-Allow-Origin: * and the "
              f"API's exposed headers (got {status} {h.get('access-control-allow-origin')})")
    status, h, _ = srv.request("GET", "/catalog.ttl?page=abc", headers=origin)
    check(status == 400 and h.get("access-control-allow-origin") == "*",
          "a catalogue error carries CORS too, as the API's errors do (400)")
    status, h, _ = srv.request("GET", "/", headers=origin)
    check("access-control-allow-origin" not in h, "the page itself still carries no CORS header")


def addresses(srv, g, datasets, ogc):
    """The addresses of /ogc/collections/addresses (BAN under etalab-2.0 and BANO under ODbL):
    one dataset, under ODbL (the collection serves the BANO rows too: never relabelled), whose
    distribution is the collection, with the sources' dates."""
    base = srv.base
    ds = [d for d in datasets if "#dataset-addresses-" in d]
    a = base + "/catalog#dataset-addresses-ODbL-1.0"
    check(ds == [a], f"the addresses are one dataset, under ODbL (BANO) ({ds})")
    check(g.iri(a, "dct:license") == ODBL and "ODbL" in (g.lit(a, "dct:title") or "") and
          "BANO" in (g.lit(a, "dct:description") or ""),
          "addresses: licence, title and description say ODbL (BANO)")
    per = g.iri(a, "dct:temporal")
    check(g.lit(per, "dcat:startDate") == "2026-03-01" and
          g.lit(per, "dcat:endDate") == "2026-04-01",
          "addresses: temporal coverage from the BAN and BANO data dates")
    items = base + "/ogc/collections/addresses/items"
    dist = [o[1] for o in g.objs(a, "dcat:distribution")]
    check(len(dist) == 1 and g.iri(dist[0], "dcat:accessURL") == items and
          g.iri(dist[0], "dcat:accessService") == ogc and
          g.iri(dist[0], "dct:license") == ODBL and
          a in [o[1] for o in g.objs(ogc, "dcat:servesDataset")],
          "addresses: the OGC collection is its distribution, under ODbL, served by the OGC API")
    c = base + "/catalog#dataset-communes-etalab-2.0"
    cdist = [o[1] for o in g.objs(c, "dcat:distribution")]
    check([d for d in datasets if "#dataset-communes-" in d] == [c] and len(cdist) == 1 and
          g.iri(cdist[0], "dcat:accessURL") == base + "/ogc/collections/communes/items",
          "the communes (no export file) are one dataset too, their collection its distribution")
    status, _, body = srv.request("GET", "/ogc/collections/addresses/items?limit=1000")
    feats = json.loads(body).get("features", []) if status == 200 else []
    odbl = [f for f in feats if f.get("properties", {}).get("licence") == "ODbL-1.0"]
    check(len(odbl) == N_BANO, f"the collection serves the {N_BANO} BANO addresses under ODbL "
          f"({len(odbl)} of {len(feats)})")


def paging():
    """Hydra paging over several pages: a copy of the database with 60 more (file-less) export
    rows, each its own dataset, so that the catalogue needs two pages of 50; followed the way
    data.gouv.fr's harvester does (hydra:next of the PartialCollectionView)."""
    db = os.path.join(WORK, "paging.sqlite")
    shutil.copyfile(DB, db)
    con = sqlite3.connect(db)
    with con:
        for i in range(60):
            con.execute("INSERT INTO exports (name, dataset, format, licence, media_type, size, "
                        "sha256, records, excluded, created) VALUES (?, ?, 'csv', 'etalab-2.0', "
                        "'text/csv; charset=utf-8', 10, ?, 1, 0, '2026-01-01T00:00:00Z')",
                        (f"extra-{i:02d}.csv", f"extra{i:02d}", "0" * 64))
    total = len(DATASETS) + 60
    con.close()
    srv = ApiServer(API, ["--port", "0", "--db", db, "--static_dir", os.path.join(SRC, "map-ui")],
                    os.path.join(WORK, "paging.log"),
                    name="paging server")
    try:
        url, seen, pages = "/catalog.ttl?page=1", [], 0
        while url and pages < 5:
            status, _, body = srv.request("GET", url)
            if not check(status == 200, f"paging: GET {url}: 200 (got {status})"):
                break
            path = os.path.join(WORK, f"paging-{pages + 1}.ttl")
            with open(path, "wb") as f:
                f.write(body)
            g = Graph(rapper(path, "turtle"))
            pages += 1
            view = g.of_type("hydra:PartialCollectionView")
            check(len(view) == 1 and view[0] == srv.base + url,
                  f"paging: page {pages} has one view, named after itself")
            cat = srv.base + "/catalog"
            check(g.lit(cat, "hydra:totalItems") == str(total) and
                  g.lit(view[0], "hydra:totalItems") == str(total),
                  f"paging: page {pages}: totalItems {total}")
            check(g.iri(view[0], "hydra:first") == srv.base + "/catalog.ttl?page=1" and
                  g.iri(view[0], "hydra:last") == srv.base + "/catalog.ttl?page=2",
                  f"paging: page {pages}: first and last")
            prev = g.iri(view[0], "hydra:previous")
            check((prev is None) == (pages == 1), f"paging: page {pages}: previous only after 1")
            seen += [o[1] for o in g.objs(cat, "dcat:dataset")]
            check(sorted(o[1] for o in g.objs(cat, "dcat:dataset")) == g.of_type("dcat:Dataset"),
                  f"paging: page {pages} describes exactly the datasets it lists")
            nxt = g.iri(view[0], "hydra:next")
            url = nxt[len(srv.base):] if nxt else None
        check(pages == 2 and len(seen) == total and len(set(seen)) == total,
              f"paging: two pages, every dataset once ({len(seen)} of {total})")
        status, _, _ = srv.request("GET", "/catalog.ttl?page=3")
        check(status == 404, f"paging: page 3 → 404 (got {status})")
    finally:
        code = srv.stop()
        check(code == 0, f"paging: the server stopped cleanly (exit {code})")


def one_category():
    """No duplicate datasets: a copy of the database whose places are all in one top-level
    category. Each dataset of that category would be the whole directory's under the same
    licence: none is listed, the whole directory's are (docs/opendata.md)."""
    db = os.path.join(WORK, "one-category.sqlite")
    shutil.copyfile(DB, db)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE places SET category = 'pharmacy'")
    con.close()
    srv = ApiServer(API, ["--port", "0", "--db", db, "--static_dir", os.path.join(SRC, "map-ui")],
                    os.path.join(WORK, "one-category.log"), name="one-category server")
    try:
        status, _, body = srv.request("GET", "/catalog.ttl")
        path = os.path.join(WORK, "one-category.ttl")
        with open(path, "wb") as f:
            f.write(body)
        g = Graph(rapper(path, "turtle"))
        got = sorted(d.rsplit("#", 1)[1] for d in g.of_type("dcat:Dataset"))
        want = sorted(d.rsplit("#", 1)[1] for d in DATASETS if d not in CATEGORY_DATASETS)
        check(status == 200 and got == want and CATEGORY_DATASETS,
              f"one category holding every place: no category dataset, the others unchanged "
              f"({len(got)} datasets: {got})")
        titles = [g.lit(d, "dct:title") for d in g.of_type("dcat:Dataset")]
        check(len(set(titles)) == len(titles), "no two datasets have the same title")
    finally:
        code = srv.stop()
        check(code == 0, f"one category: the server stopped cleanly (exit {code})")


main()
one_category()
paging()
finish()
