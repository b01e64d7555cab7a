import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDir } from '../testing/paths';
import { IndexerHost } from './host/indexer-host';
import { cleanup, prose, tempDir, tinyOptions, writeFiles } from './test-kit';

/**
 * The hostile corpus: 75 real broken PDFs and 17 docx from other projects' test suites
 * (../shared/data/hostile, README there) beside crafted files for every hole of issue 12, indexed
 * by the real indexer process with its JS heap capped. No crash, no hang (the library goes
 * idle), every path the scan sees ends in a record with a reason, and the good files beside
 * them are indexed.
 */
const root = tempDir('hostile');
const docs = join(root, 'docs');
const hostile = join(sharedDir, 'data/hostile');
const isRoot = process.getuid?.() === 0;
/**
 * OCR on, as the app's default: the corpus's image-only pages are rendered and read too (~30 s on
 * the 2-core machine when it is quiet). DESK_HOSTILE_OCR=0 runs it with OCR off.
 */
const withOcr = process.env.DESK_HOSTILE_OCR !== '0';

afterAll(() => {
  chmodSync(join(docs, 'crafted', 'locked'), 0o755);
  cleanup(root);
});

describe('the hostile corpus', () => {
  it(`ends with a record and a reason for every file, and indexes the good ones (OCR ${withOcr ? 'on' : 'off'})`, { timeout: 600_000 }, async () => {
    cpSync(join(hostile, 'pdfs'), join(docs, 'pdfs'), { recursive: true });
    cpSync(join(hostile, 'docx'), join(docs, 'docx'), { recursive: true });
    const crafted = join(docs, 'crafted');
    writeFiles(crafted, {
      'good-one.txt': prose(1, 6),
      'good-two.md': `# Notes\n\n${prose(2, 4)}`,
      'good-three.html': `<p>${prose(3, 3)}</p>`,
      'utf16-no-bom.txt': Buffer.from(prose(4, 3), 'utf16le'),
      'binary.txt': Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 37) % 256)),
      'deep-list.md': Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n\n'),
      'deep.html': `${'<div>'.repeat(50_000)}deep${'</div>'.repeat(50_000)}`,
      'empty.txt': '',
      'locked/inside.txt': prose(5, 2),
    });
    writeFileSync(Buffer.from(`${crafted}/bad-\xff-name.txt`, 'latin1'), prose(6, 2)); // a name that is not UTF-8
    expect(spawnSync('mkfifo', [join(crafted, 'pipe.txt')]).status).toBe(0); // reading it would block forever
    chmodSync(join(crafted, 'locked'), 0o000);

    const host = await IndexerHost.fork(tinyOptions(join(root, 'db'), join(root, 'graphs'), { settings: { ocr: withOcr } }), {
      execArgv: ['--import', 'tsx', '--max-old-space-size=768'],
    });
    try {
      await host.addFolder(docs);
      await host.whenIdle();
      const records = new Map(host.documents(docs).map((d) => [d.path, d]));

      const onDisk = [
        ...readdirSync(join(docs, 'pdfs')).map((f) => join(docs, 'pdfs', f)),
        ...readdirSync(join(docs, 'docx')).map((f) => join(docs, 'docx', f)),
      ];
      expect(onDisk.length).toBe(75 + 17);
      for (const path of onDisk) expect(records.has(path), path).toBe(true);
      for (const doc of records.values()) {
        expect(['done', 'failed', 'skipped'], doc.path).toContain(doc.status);
        if (doc.status !== 'done') expect(doc.reason && doc.code, doc.path).toBeTruthy();
        expect(doc.code, `${doc.path}: ${doc.reason}`).not.toBe('INTERNAL');
      }

      const record = (name: string) => records.get(join(crafted, name));
      for (const good of ['good-one.txt', 'good-two.md', 'good-three.html', 'utf16-no-bom.txt', 'deep-list.md', 'deep.html']) {
        expect(record(good)?.status, good).toBe('done');
      }
      expect(record('utf16-no-bom.txt')?.encoding).toBe('utf-16le');
      expect(record('binary.txt')).toMatchObject({ status: 'failed', code: 'EXTRACT_BINARY' });
      expect(record('empty.txt')).toMatchObject({ status: 'skipped', code: 'EXTRACT_EMPTY' });
      expect(record('pipe.txt')).toMatchObject({ status: 'skipped', code: 'FILE_NOT_REGULAR' });
      expect(record('bad-\ufffd-name.txt')).toMatchObject({ status: 'skipped', code: 'FILE_NAME_INVALID' });
      if (!isRoot) expect(record('locked')).toMatchObject({ status: 'skipped', code: 'FOLDER_UNREADABLE' });
      expect(record('deep.html')?.warnings?.join(' ')).toMatch(/nested/);
      const done = [...records.values()].filter((d) => d.status === 'done').length;
      const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${host.pid}/status`, 'utf8'))![1]) / 1024;
      const noText = [...records.values()].filter((d) => d.code === 'EXTRACT_EMPTY' && d.path.endsWith('.pdf')).length;
      console.log(`hostile corpus (OCR ${withOcr ? 'on' : 'off'}): ${records.size} records, ${done} done, ${noText} PDFs without text; indexer peak RSS ${peakMb.toFixed(0)} MB`);
      expect(peakMb).toBeLessThan(1536);
    } finally {
      await host.close();
    }
  });
});
