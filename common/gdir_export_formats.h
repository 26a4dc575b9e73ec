/*
 * gdir_export_formats.h — the table of the export formats (X-macro), shared by the export
 * library (export/gdir_export.h builds its enum and descriptions from it) and the territory
 * configuration (gdir_config.c checks open_data.exports against its names). Only the table
 * lives in common/: the writers are in export/, which common/ never includes.
 */
#ifndef GDIR_EXPORT_FORMATS_H
#define GDIR_EXPORT_FORMATS_H

/*
 * The formats: X(ENUM, name (API value and config value), file suffix appended to
 * "<dataset>-<licence>", media type, dataset, streamed by gdir_export_text_*).
 *   csv     RFC 4180: UTF-8 without BOM, ',' separator, CRLF line ends, header row, fields
 *           quoted when they hold '"', ',', CR or LF or start or end with a space (quotes
 *           doubled; gdir_csv.h); '.' decimal point.
 *   csv-fr  the French spreadsheet flavour (opens right in Excel FR and LibreOffice FR):
 *           UTF-8 with BOM, ';' separator, CRLF, decimal comma in latitude/longitude, same
 *           quoting rule with ';'.
 *   scdl-equipements  CSV (as csv) following schema.data.gouv.fr scdl/equipements 0.1.x
 *           (columns COLL_NOM ... EQUIP_WEB); needs the publisher's SIRET (open_data.
 *           publisher_siret): without it gdir_export_text_begin returns GDIR_ECONFIG.
 */
#define GDIR_EXPORT_FORMATS(X)                                                                   \
    X(GDIR_EXPORT_GEOJSON, "geojson", ".geojson", "application/geo+json", "places", 1)          \
    X(GDIR_EXPORT_CSV, "csv", ".csv", "text/csv; charset=utf-8", "places", 1)                   \
    X(GDIR_EXPORT_CSV_FR, "csv-fr", "-fr.csv", "text/csv; charset=utf-8", "places", 1)          \
    X(GDIR_EXPORT_SCDL, "scdl-equipements", ".csv", "text/csv; charset=utf-8", "equipements", 1) \
    X(GDIR_EXPORT_GPKG, "gpkg", ".gpkg", "application/geopackage+sqlite3", "places", 0)         \
    X(GDIR_EXPORT_XLSX, "xlsx", ".xlsx",                                                         \
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "places", 0)          \
    X(GDIR_EXPORT_KML, "kml", ".kml", "application/vnd.google-earth.kml+xml", "places", 1)      \
    X(GDIR_EXPORT_SHP, "shp", ".shp.zip", "application/zip", "places", 0)                       \
    X(GDIR_EXPORT_FGB, "fgb", ".fgb", "application/flatgeobuf", "places", 0)

#endif
