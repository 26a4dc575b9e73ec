/*
 * h_download.h — what the download handlers share (h_data.c, h_export.c): a file sent piece
 * by piece from an open descriptor (struct api_stream), and the licence headers of a
 * download.
 */
#ifndef H_DOWNLOAD_H
#define H_DOWNLOAD_H

#include <stdint.h>

#include "api_response.h"

/* Makes res send fd (size bytes, from offset 0) as a stream with a Content-Length: not
 * compressed, so the bytes sent are the file's (digests hold). Takes fd (closed on every
 * path, also when this fails). on_done(cls), when not NULL, runs once the stream is released
 * (sent, abandoned or never sent). Returns 0 or GDIR_ENOMEM (then on_done has run). */
int h_download_file(struct api_response *res, int fd, uint64_t size, void (*on_done)(void *),
                    void *cls);

/* Adds Content-Disposition (attachment; filename="name"), Link (the licence URL, rel
 * "license") and Geodir-Licence when licence is known. name must be a plain file name
 * (letters, digits, '.', '-', '_'). Returns 0 or GDIR_ETOOBIG. */
int h_download_headers(struct api_response *res, const char *name, const char *licence);

#endif
