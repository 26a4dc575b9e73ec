/*
 * fetch_unpack.h — unpacking a downloaded file for the fetch step (fetch.c): a gzip file (zlib),
 * or the one member of a zip archive that a pattern names (libarchive: stored, deflate and
 * the other methods it reads, ZIP64 included). Both write a new file and never more than a
 * given number of bytes; on failure the output file is removed and err says why in a
 * sentence for the fetch report. Thread-safe for distinct output paths.
 */
#ifndef FETCH_UNPACK_H
#define FETCH_UNPACK_H
#include "gdir_err.h"

#include <stddef.h>

#define FETCH_ZIP_MEMBER_MAX 512  /* bytes of a member's name kept, NUL included */

/* Decompresses the gzip file in into out, refusing more than max bytes of output. Returns 0,
 * or GDIR_EFORMAT (not gzip, damaged), GDIR_ETOOBIG or GDIR_EIO with err filled. */
int fetch_gunzip_file(const char *in, const char *out, long long max, struct gdir_err *err);

/* Extracts from the zip archive in the one member whose path or base name matches pattern
 * (fnmatch; NULL: the archive must hold exactly one file) into out, at most max bytes, and
 * copies the member's path into chosen. Folders, links, and members without a name or with a
 * name of FETCH_ZIP_MEMBER_MAX bytes or more are not files. The archive is read twice through
 * libarchive (its central directory, then the member streamed), in bounded memory.
 * Returns 0, or GDIR_EFORMAT (not a zip, damaged, no or several matching members,
 * encrypted, unsupported method, size or CRC mismatch), GDIR_ETOOBIG, GDIR_ENOMEM or
 * GDIR_EIO with err filled. */
int fetch_unzip_file(const char *in, const char *pattern, const char *out, long long max,
                     char *chosen, size_t chosen_size, struct gdir_err *err);

#endif
