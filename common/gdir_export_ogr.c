/*
 * gdir_export_ogr.c — the binary export formats through GDAL/OGR: GeoPackage (with
 * gpkg_metadata), XLSX (with a "Licence" sheet), zipped ESRI Shapefile (with LICENCE.txt,
 * .cpg, .prj) and FlatGeobuf. Text formats are in gdir_export.c.
 */
#include "gdir_export.h"

#include <gdal.h>

void gdir_export_ogr_init(void)
{
    GDALAllRegister();
}
