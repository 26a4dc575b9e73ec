/*
 * life_text.h — the safe text of the daily-life items (docs/vie-locale.md, « Texte ») : what an
 * agent or a resident writes in an event's description or a news item's text, made safe on the
 * server before it is stored, shown, put in a feed or exported.
 *
 * Input: plain text (blank lines separate paragraphs, a line starting with "- " or "* " is a
 * list item, bare http(s):// addresses become links), or the small HTML subset <p> <br> <a
 * href> <ul> <ol> <li> <strong> <b> <em> <i>. Anything else is made inert: other tags are
 * dropped (their text kept), <script>, <style>, <iframe>, <object>, <svg>, <math>, <template>
 * and comments are dropped with what they hold, attributes other than href are dropped, an href
 * that is not http:, https: or mailto: (after entity decoding, case folding and white space
 * removal: "jav&#x61;script:", " JAVASCRIPT:") drops the link (its text kept). Entities are
 * decoded then every text is escaped again. Unclosed tags are closed, stray closing tags
 * dropped, nesting limited (LIFE_TEXT_DEPTH).
 *
 * Output: canonical HTML of that subset (what the pages insert; links carry
 * rel="nofollow noopener noreferrer"), and the plain text of it (iCalendar DESCRIPTION, Atom
 * summary, CSV export): paragraphs separated by a blank line, "- " list items, a link as
 * "text (url)" when its text is not the url. Both are valid UTF-8 (invalid input bytes are
 * refused, not repaired). Reentrant; no global state.
 */
#ifndef LIFE_TEXT_H
#define LIFE_TEXT_H

#include <stddef.h>

#include "gdir_buf.h"
#include "gdir_err.h"

#define LIFE_TEXT_MAX (20u * 1024u)   /* bytes of input accepted */
#define LIFE_TEXT_DEPTH 8             /* open elements at most; deeper ones are flattened */

/* Sanitises text (len bytes, not necessarily NUL-terminated) into html and plain (both
 * appended; either may be NULL). 0, or GDIR_ETOOBIG (over LIFE_TEXT_MAX), GDIR_EFORMAT
 * (not UTF-8, or a NUL byte), GDIR_ENOMEM, with err naming what and at which byte. */
int life_text_sanitise(const char *text, size_t len, struct gdir_buf *html, struct gdir_buf *plain,
                       struct gdir_err *err);

/* The plain text of a title (one line): tags are not interpreted, control characters and
 * line breaks become spaces, runs of spaces are folded, trimmed. max: the most bytes of the
 * result (0: no limit), beyond it GDIR_ETOOBIG. 0 or as above. */
int life_text_line(const char *text, size_t len, size_t max, struct gdir_buf *out,
                   struct gdir_err *err);

#endif
