/*
 * gdir_hilbert.h — the Hilbert curve over a lon/lat box: a key per point such that points near
 * each other on the ground mostly get near keys. The importer writes places in the order of
 * this key, so that the rows of near places are near in the database file.
 */
#ifndef GDIR_HILBERT_H
#define GDIR_HILBERT_H

#include <stdint.h>

/* Order of the curve: a 2^31 x 2^31 grid; keys are below 2^62 (they fit an SQLite INTEGER). */
#define GDIR_HILBERT_ORDER 31

/* The grid laid over a box: square on the ground (a degree of longitude counts cos(latitude)
 * of a degree of latitude, at the box's middle latitude), with the box in its corner. */
struct gdir_hilbert_grid {
    double minlon, minlat;   /* the grid's corner */
    double kx, ky;           /* cells per degree of longitude, of latitude */
};

/* Lays the grid over the box [minlon, maxlon] x [minlat, maxlat] (degrees; a degenerate box,
 * a single point, is fine). */
void gdir_hilbert_grid_init(struct gdir_hilbert_grid *g, double minlon, double minlat,
                            double maxlon, double maxlat);

/* Position along the curve of the cell (x, y), each below 2^GDIR_HILBERT_ORDER. */
uint64_t gdir_hilbert_d(uint32_t x, uint32_t y);

/* Position along the curve of the cell holding (lon, lat); points outside the box go to the
 * nearest edge cell, NaN to cell 0. */
uint64_t gdir_hilbert_key(const struct gdir_hilbert_grid *g, double lon, double lat);

#endif
