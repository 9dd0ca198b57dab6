#ifndef CMALLOC_H
#define CMALLOC_H

// When the library loads, glibc's arenas are fixed at one and its mmap threshold at 256 KiB
// (see cmalloc.c); nothing needs to be called for that.

/// Returns freed heap pages to the system (glibc's malloc_trim; no-op elsewhere).
void cmalloc_trim(void);

#endif
