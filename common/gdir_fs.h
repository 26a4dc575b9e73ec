/*
 * gdir_fs.h — reading a whole file into memory with a size cap (configurations, profiles,
 * overrides, calendars, the fetch step's JSON files), the folder of a path, and where a data
 * file of the installation is, and writing a whole buffer to a descriptor. Not here: streaming readers of large inputs
 * (importer/imp_csvscan.c) and the downloads of --fetch. Thread-safe.
 */
#ifndef GDIR_FS_H
#define GDIR_FS_H

#include <stdio.h>
#include <stddef.h>

#include "gdir_err.h"

/* Reads the file at path into *out: owned (free with free()), NUL-terminated, its length in
 * *len when len is not NULL; at most max bytes (0: no cap; the file may hold NUL bytes; *len says where
 * it ends). Returns 0, or, with a message in err that starts with "path: ":
 *   GDIR_EIO     the file cannot be opened ("path: <strerror>") or read ("path: read error");
 *   GDIR_ETOOBIG it holds more than max bytes ("path: larger than 1 MiB");
 *   GDIR_ENOMEM  out of memory.
 * *out is NULL on failure. A caller reporting another code (a configuration error) changes
 * err->code and its own return value, not the message. */
int gdir_file_read(const char *path, size_t max, char **out, size_t *len, struct gdir_err *err);

/* The same on a file the caller opened (to report its own open errors): reads f to its end,
 * closes it (always) and names it path in messages. Errors as above but for opening. */
int gdir_file_read_fp(FILE *f, const char *path, size_t max, char **out, size_t *len,
                      struct gdir_err *err);

/* Writes the n bytes at p to fd, going on after EINTR and short writes. Returns 0, or -1 with
 * errno set. */
int gdir_write_all(int fd, const void *p, size_t n);

/* Removes the folder dir and everything under it (symbolic links are removed, never followed),
 * as far as it can; for temporary and partial folders. */
void gdir_remove_tree(const char *dir);

/* The folder of path, malloc'd: "." when path has no '/', "/" for "/name"; NULL when out of
 * memory. */
char *gdir_dir_of(const char *path);

/* Where a file or folder that geodir reads at run time is (profiles, the sources catalogue):
 * the value of the environment variable env when it is set and not empty, else src (the
 * source tree's copy; may be NULL) when it exists as a folder (want_dir) or a regular file,
 * else installed. */
const char *gdir_locate(const char *env, const char *src, const char *installed, int want_dir);

#endif
