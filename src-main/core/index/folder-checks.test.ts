import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countEntriesUpTo, fileSystemType, folderConcerns, isNetworkFileSystem } from './folder-checks';
import { cleanup, tempDir } from './test-kit';

/** A /proc/mounts as Linux writes it: device, mount point (octal escapes), type, options, 0 0. */
const mounts = [
  '/dev/vda / ext4 rw,relatime 0 0',
  'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
  'server:/export/home /home/ann/share nfs4 rw,relatime,vers=4.2 0 0',
  '//nas/docs /mnt/My\\040Docs cifs rw,relatime,vers=3.0 0 0',
  'ann@host:/srv /home/ann/remote fuse.sshfs rw,nosuid,nodev 0 0',
  'tmpfs /home/ann/share/local tmpfs rw 0 0',
  'hostshare /mnt/host 9p rw,trans=virtio 0 0',
].join('\n');

const root = tempDir('folder-checks');
afterAll(() => cleanup(root));

describe('file system type from /proc/mounts', () => {
  it('takes the deepest mount point above the path, with escaped spaces', () => {
    expect(fileSystemType('/home/ann/Documents', mounts)).toBe('ext4');
    expect(fileSystemType('/home/ann/share/papers', mounts)).toBe('nfs4');
    expect(fileSystemType('/home/ann/share', mounts)).toBe('nfs4');
    expect(fileSystemType('/home/ann/share/local/x', mounts)).toBe('tmpfs'); // mounted inside the share
    expect(fileSystemType('/mnt/My Docs/2024', mounts)).toBe('cifs');
    expect(fileSystemType('/home/ann/remote/notes', mounts)).toBe('fuse.sshfs');
    expect(fileSystemType('/home/ann/sharex', mounts)).toBe('ext4'); // a sibling whose name starts the same is not inside
  });

  it('calls NFS, SMB, SSHFS and 9p network file systems, and local ones not', () => {
    for (const type of ['nfs', 'nfs4', 'cifs', 'smb3', 'fuse.sshfs', '9p']) expect(isNetworkFileSystem(type), type).toBe(true);
    for (const type of ['ext4', 'btrfs', 'xfs', 'tmpfs', 'overlay', undefined]) expect(isNetworkFileSystem(type), String(type)).toBe(false);
  });
});

describe('the bounded pre-scan', () => {
  const tree = join(root, 'tree');
  for (let d = 0; d < 5; d++) {
    mkdirSync(join(tree, `d${d}`), { recursive: true });
    for (let f = 0; f < 20; f++) writeFileSync(join(tree, `d${d}`, `f${f}.txt`), 'x');
  }
  mkdirSync(join(tree, '.git'));
  for (let f = 0; f < 50; f++) writeFileSync(join(tree, '.git', `o${f}`), 'x'); // never entered, never counted

  it('counts every entry the indexer would walk when under the limit', async () => {
    expect(await countEntriesUpTo(tree, 1000)).toBe(5 + 5 * 20);
  });

  it('stops once past the limit instead of walking the whole tree', async () => {
    const count = await countEntriesUpTo(tree, 10);
    expect(count).toBeGreaterThan(10);
    expect(count).toBeLessThan(5 + 5 * 20); // stopped after the first folder read past the limit
  });

  it('asks about a folder past the limit and one on a network file system, and not about a small local one', async () => {
    const mountsPath = join(root, 'mounts');
    writeFileSync(mountsPath, `${mounts}\nnas:/vol ${join(tree, 'd1')} nfs rw 0 0\n`);
    expect(await folderConcerns(tree, { maxEntries: 1000, mountsPath })).toEqual([]);
    const many = await folderConcerns(tree, { maxEntries: 10, mountsPath });
    expect(many.map((c) => c.kind)).toEqual(['many-files']);
    expect(many[0].message).toMatch(/more than 10 files and folders/);
    const network = await folderConcerns(join(tree, 'd1'), { maxEntries: 1000, mountsPath });
    expect(network.map((c) => c.kind)).toEqual(['network']);
    expect(network[0].message).toMatch(/network file system \(nfs\).*polling/);
  });
});
