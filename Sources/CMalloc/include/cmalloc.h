#ifndef CMALLOC_H
#define CMALLOC_H

/// Fixes glibc's mmap threshold at 256 KiB and its arenas at one (no-op elsewhere). Also run
/// automatically when the library loads.
void cmalloc_configure(void);

/// Returns freed heap pages to the system (glibc's malloc_trim; no-op elsewhere).
void cmalloc_trim(void);

#endif
