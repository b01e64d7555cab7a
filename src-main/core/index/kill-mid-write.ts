/**
 * Test helper run as a child process (large-document.test.ts): indexes a folder with the tiny
 * model and SIGKILLs itself right after the store committed its `killAfter`-th chunk of one
 * document's passages, so the crash lands mid-write at the same point on any machine. With
 * killAfter 0 it indexes to the end.
 * Usage: node --import tsx kill-mid-write.ts <folder> <db> <graph cache> <killAfter>
 */
import { LibraryStore } from '../store/store';
import type { PassageChunk } from '../store/types';
import { Library } from './library';
import { tinyOptions } from './test-kit';

const [folder, db, graphs, killAfter] = process.argv.slice(2);
const writePassages = LibraryStore.prototype.writePassages;
let chunks = 0;
LibraryStore.prototype.writePassages = async function (this: LibraryStore, chunk: PassageChunk) {
  await writePassages.call(this, chunk);
  if (++chunks === Number(killAfter)) process.kill(process.pid, 'SIGKILL');
};
const library = await Library.open(tinyOptions(db, graphs));
await library.addFolder(folder);
await library.whenIdle();
await library.close();
