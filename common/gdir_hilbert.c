/*
 * gdir_hilbert.c — Hilbert curve keys of lon/lat points (see gdir_hilbert.h): the grid laid
 * over a box, the cell of a point, and the cell's position along the curve.
 */
#include "gdir_hilbert.h"
#include "gdir_geo.h"

#include <math.h>

#define CELLS ((double)(1u << GDIR_HILBERT_ORDER))   /* per side */

void gdir_hilbert_grid_init(struct gdir_hilbert_grid *g, double minlon, double minlat,
                            double maxlon, double maxlat)
{
    double c = cos((minlat + maxlat) / 2 * GDIR_DEG2RAD);
    double side;

    if (!(c > 0.01))
        c = 0.01;   /* near a pole: keep the grid finite */
    /* The square's side, in degrees of latitude. */
    side = maxlat - minlat;
    if ((maxlon - minlon) * c > side)
        side = (maxlon - minlon) * c;
    if (!(side > 1e-9))
        side = 1e-9;
    g->minlon = minlon;
    g->minlat = minlat;
    g->ky = (CELLS - 1) / side;
    g->kx = g->ky * c;
}

/* The cell index along one axis, clamped to the grid. */
static uint32_t cell(double v, double min, double k)
{
    double x = (v - min) * k;
    if (!(x > 0))
        return 0;   /* below the box, or NaN */
    if (x >= CELLS - 1)
        return (uint32_t)(CELLS - 1);
    return (uint32_t)x;
}

/* Walks the quadrants from the largest to the smallest. At each level the quadrant (rx, ry)
 * adds its rank along the curve (0 lower left, 1 upper left, 2 upper right, 3 lower right)
 * times the cells of a quadrant, then the coordinates are turned into the frame of that
 * quadrant's sub-curve: the lower quadrants' sub-curves are the curve transposed (lower left)
 * or transposed and mirrored (lower right). Only the bits below the level matter afterwards. */
uint64_t gdir_hilbert_d(uint32_t x, uint32_t y)
{
    uint64_t d = 0;
    for (uint32_t s = 1u << (GDIR_HILBERT_ORDER - 1); s > 0; s >>= 1) {
        unsigned rx = (x & s) != 0, ry = (y & s) != 0;
        d += (uint64_t)s * s * ((3u * rx) ^ ry);
        if (!ry) {
            if (rx) {
                x = ~x;
                y = ~y;
            }
            uint32_t t = x;
            x = y;
            y = t;
        }
    }
    return d;
}

uint64_t gdir_hilbert_key(const struct gdir_hilbert_grid *g, double lon, double lat)
{
    return gdir_hilbert_d(cell(lon, g->minlon, g->kx), cell(lat, g->minlat, g->ky));
}
