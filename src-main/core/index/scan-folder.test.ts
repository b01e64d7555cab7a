import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderOf, isIgnoredBelow, isIndexablePath } from './path-rules';
import { scanFolder } from './scan-folder';

const root = mkdtempSync(join(tmpdir(), 'scan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(rel: string, text = 'some words') {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}

describe('scanFolder', () => {
  it('lists supported files, skips hidden, .git, node_modules, lock files, and never follows symlinks', async () => {
    file('a.txt');
    file('sub/b.md');
    file('sub/deeper/c.HTML');
    file('sub/image.gif');
    file('.hidden.txt');
    file('.secret/d.txt');
    file('.git/objects/e.txt');
    file('node_modules/pkg/readme.md');
    file('~$lock.docx');
    symlinkSync(root, join(root, 'sub/loop')); // a folder that contains itself
    symlinkSync(join(root, 'a.txt'), join(root, 'link.txt'));
    const started = Date.now();
    const files = await scanFolder(root);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(files.map((f) => relative(root, f.path))).toEqual(['a.txt', 'sub/b.md', 'sub/deeper/c.HTML']);
    expect(files[0].size).toBe('some words'.length);
    expect(files[0].mtimeMs).toBeGreaterThan(0);
  });

  it('throws for a root that cannot be read, rather than reporting it empty', async () => {
    await expect(scanFolder(join(root, 'gone'))).rejects.toThrow(/ENOENT/);
  });
});

describe('path rules', () => {
  it('judge only the part below the watched folder', () => {
    const lib = '/home/me/.docs/library';
    expect(isIgnoredBelow(lib, `${lib}/a.txt`)).toBe(false);
    expect(isIgnoredBelow(lib, `${lib}/.git/a.txt`)).toBe(true);
    expect(isIndexablePath(lib, `${lib}/x/a.pdf`)).toBe(true);
    expect(isIndexablePath(lib, `${lib}/x/a.exe`)).toBe(false);
    expect(isIndexablePath(lib, '/elsewhere/a.txt')).toBe(false);
    expect(folderOf(['/a', lib], `${lib}/z.txt`)).toBe(lib);
    expect(folderOf(['/a'], '/ab/z.txt')).toBeUndefined();
  });
});
