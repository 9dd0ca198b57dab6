#ifndef CMALLOC_H
#define CMALLOC_H

// When the library loads, glibc's arenas are fixed at one and its mmap threshold at 256 KiB
// (see cmalloc.c); nothing needs to be called for that.

/// Returns freed heap pages to the system (glibc's malloc_trim; no-op elsewhere).
void cmalloc_trim(void);

/// Unmaps the pages of file-backed mappings that are read-only and hold no private copies
/// (MADV_DONTNEED: they are the file's own, and come back from the page cache when touched).
/// Returns the mappings given back, -1 without /proc.
int cmalloc_give_back_file_pages(void);

#endif
