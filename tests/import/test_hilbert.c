/*
 * test_hilbert.c — the Hilbert curve the importer writes places along (gdir_hilbert): every
 * cell once, consecutive positions in adjacent cells, and the grid over a lon/lat box.
 */
#include "check.h"
#include "gdir_hilbert.h"

#include <stdint.h>
#include <stdlib.h>

#define SIDE 64u   /* the grid's first 64 x 64 cells: positions 0 .. 4095 */

/* The lower-left 2^k x 2^k cells are the curve's first 4^k positions, each once, and two
 * consecutive positions are cells that share a side. */
static void test_curve_is_a_path(void)
{
    static uint32_t cx[SIDE * SIDE], cy[SIDE * SIDE];
    static unsigned char seen[SIDE * SIDE];
    int bad_range = 0, twice = 0, jumps = 0;

    for (uint32_t x = 0; x < SIDE; x++)
        for (uint32_t y = 0; y < SIDE; y++) {
            uint64_t d = gdir_hilbert_d(x, y);
            if (d >= SIDE * SIDE) {
                bad_range++;
                continue;
            }
            twice += seen[d]++ > 0;
            cx[d] = x;
            cy[d] = y;
        }
    CHECK_INT_EQ(bad_range, 0);
    CHECK_INT_EQ(twice, 0);
    for (unsigned d = 1; d < SIDE * SIDE; d++)
        jumps += abs((int)cx[d] - (int)cx[d - 1]) + abs((int)cy[d] - (int)cy[d - 1]) != 1;
    CHECK_INT_EQ(jumps, 0);
}

/* The last cell of the full grid, and distinct cells at the top of the range. */
static void test_full_range(void)
{
    uint32_t max = (1u << GDIR_HILBERT_ORDER) - 1;
    uint64_t last = (1ull << (2 * GDIR_HILBERT_ORDER)) - 1;
    uint64_t corners[4] = {gdir_hilbert_d(0, 0), gdir_hilbert_d(0, max), gdir_hilbert_d(max, max),
                           gdir_hilbert_d(max, 0)};
    CHECK_INT_EQ(corners[0], 0);
    CHECK(corners[0] < corners[1] && corners[1] < corners[2] && corners[2] < corners[3]);
    CHECK(corners[3] == last);
    CHECK(last < (1ull << 62));   /* an SQLite INTEGER */
}

/* Points of a box: corners at the ends, near points near on the curve, outside points
 * clamped, NaN in cell 0. */
static void test_grid(void)
{
    struct gdir_hilbert_grid g;
    gdir_hilbert_grid_init(&g, 5.0, 48.8, 5.4, 49.1);
    CHECK_INT_EQ(gdir_hilbert_key(&g, 5.0, 48.8), 0);
    CHECK(gdir_hilbert_key(&g, 4.0, 48.0) == 0);
    CHECK(gdir_hilbert_key(&g, NAN, 48.9) == gdir_hilbert_key(&g, 5.0, 48.9));
    /* Two points 0.7 m apart in a 33 km box (a cell is ~15 micrometres): in the same block
     * of 2^20 x 2^20 cells (~16 m, 2^40 positions) far more often than not. */
    int near = 0;
    for (int i = 0; i < 100; i++) {
        double lon = 5.05 + 0.003 * i, lat = 48.85 + 0.0021 * i;
        uint64_t a = gdir_hilbert_key(&g, lon, lat), b = gdir_hilbert_key(&g, lon + 1e-5, lat);
        near += (a > b ? a - b : b - a) < (1ull << 40);
    }
    CHECK(near >= 90);
    /* A single point (degenerate box) is fine. */
    gdir_hilbert_grid_init(&g, 5.1, 48.9, 5.1, 48.9);
    CHECK_INT_EQ(gdir_hilbert_key(&g, 5.1, 48.9), 0);
}

static const struct check_case cases[] = {
    {"curve_is_a_path", test_curve_is_a_path},
    {"full_range", test_full_range},
    {"grid", test_grid},
};
CHECK_MAIN(cases)
