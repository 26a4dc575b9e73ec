/*
 * imp_hook.h — a test hook: holds a run at a named step so that a test can act while the
 * importer is there (start a second import, kill it), without sleeping and guessing.
 *
 *   GEODIR_IMPORT_PAUSE_AT=STEP[,STEP...]  the steps to stop at
 *   GEODIR_IMPORT_PAUSE_FIFO=PATH          a FIFO the test writes one line to, to release
 *
 * At such a step the importer prints "geodir-import: paused at STEP (pid N)" on stderr,
 * then waits until it reads a line (or end of file) from the FIFO. Steps: "locked" (the
 * database lock is held, nothing written yet), "sources-read" (every source is in the
 * temporary file), "before-swap" (the new database and its exports are complete, the swap
 * comes next). Without the variables the hook does nothing.
 */
#ifndef IMP_HOOK_H
#define IMP_HOOK_H

/* Pauses at step when the environment asks for it (see the banner). */
void imp_hook_pause(const char *step);

#endif
