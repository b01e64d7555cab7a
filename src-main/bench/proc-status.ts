import { readFileSync } from 'node:fs';

/** Memory of a process from /proc/<pid>/status (Linux), MB: peak resident set and its parts. */
export function procStatus(pid: number | 'self' = 'self'): { VmHWM: number; RssAnon: number; RssFile: number; RssShmem: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) / 1024);
  return { VmHWM: mb('VmHWM'), RssAnon: mb('RssAnon'), RssFile: mb('RssFile'), RssShmem: mb('RssShmem') };
}
