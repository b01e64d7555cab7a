/**
 * glibc malloc settings for processes that move large buffers: the indexer (and the benchmark,
 * so its raw baseline runs under the same settings). By default glibc serves allocations from
 * 128 KB up with a fresh mmap and unmaps them on free, so every ~1 MB LMDB overflow-page run and
 * every lower-pass output is page-faulted in again; on the 2-core build VM a 1 MB LMDB put cost
 * 3.1–3.7 ms that way and 0.07 ms with these settings. Other platforms ignore the variables.
 */
export const largeBufferMallocEnv = {
  MALLOC_MMAP_THRESHOLD_: String(64 * 2 ** 20),
  MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20),
} as const;

/** `env` with the settings above added, unless it sets them itself. */
export function withLargeBufferMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...largeBufferMallocEnv, ...env };
}
