import { DeskError } from '../errors';

/** Text decoded from a file's bytes, with how it was decoded and any notes for the person. */
export interface DecodedText {
  text: string;
  /** 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin-1', or a charset an HTML file declared. */
  encoding: string;
  warnings: string[];
}

/** How many leading bytes decide whether a file is binary. */
const SNIFF_BYTES = 8192;
/** More control characters than this share of the sniffed text means binary data, not prose. */
const MAX_CONTROL_RATIO = 0.1;

/**
 * Decodes a text file: a UTF-16 LE/BE or UTF-8 BOM wins (and is stripped); otherwise UTF-8,
 * falling back to Latin-1 (as Windows-1252, its superset) when the bytes are not valid UTF-8.
 * `declaredCharset` (e.g. from an HTML <meta charset>) is tried when there is no BOM.
 * Line endings become \n. Throws EXTRACT_BINARY when the bytes look like binary data.
 */
export function decodeText(bytes: Uint8Array, declaredCharset?: string): DecodedText {
  const bom = detectBom(bytes) ?? sniffUtf16(bytes);
  if (bom === 'utf-16le' || bom === 'utf-16be') {
    const text = new TextDecoder(bom).decode(bytes); // strips the BOM
    assertNotBinary(text.slice(0, SNIFF_BYTES / 2));
    const warnings = detectBom(bytes) ? [] : [`no byte order mark: read as ${bom.toUpperCase()} from its pattern of zero bytes`];
    return { text: normalizeNewlines(text), encoding: bom, warnings };
  }
  // Bytes map 1:1 to chars in latin1, so this sniffs the raw bytes without decoding the whole file.
  assertNotBinary(Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, SNIFF_BYTES)).toString('latin1'));
  if (bom === 'utf-8') return decodeUtf8OrLatin1(bytes);
  const declared = declaredCharset && charsetDecoder(declaredCharset);
  if (declared && declared.encoding !== 'utf-8') {
    return { text: normalizeNewlines(declared.decode(bytes)), encoding: declared.encoding, warnings: [] };
  }
  return decodeUtf8OrLatin1(bytes);
}

function decodeUtf8OrLatin1(bytes: Uint8Array): DecodedText {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: normalizeNewlines(text), encoding: 'utf-8', warnings: [] };
  } catch {
    // The WHATWG 'latin1' label is Windows-1252: Latin-1 plus the printable 0x80–0x9F (curly quotes, €).
    const text = new TextDecoder('latin1').decode(bytes);
    return {
      text: normalizeNewlines(text),
      encoding: 'latin-1',
      warnings: ['not valid UTF-8: decoded as Latin-1 (Windows-1252); some characters may be wrong'],
    };
  }
}

function detectBom(bytes: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * UTF-16 without a BOM, told by its NUL pattern: text that is mostly ASCII has a zero byte in
 * every other position (odd positions for LE, even for BE) and almost none in the others.
 * Binary data has zeros scattered without that rhythm and stays binary.
 */
function sniffUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, SNIFF_BYTES) & ~1;
  if (n < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > 0.7 * pairs && evenZeros < 0.05 * pairs) return 'utf-16le';
  if (evenZeros > 0.7 * pairs && oddZeros < 0.05 * pairs) return 'utf-16be';
  return null;
}

function charsetDecoder(label: string): InstanceType<typeof TextDecoder> | null {
  try {
    return new TextDecoder(label.trim().toLowerCase());
  } catch {
    return null; // an unknown charset label: fall back to sniffing
  }
}

function assertNotBinary(sample: string): void {
  if (sample.includes('\u0000')) {
    throw new DeskError('EXTRACT_BINARY', 'not a text file: it contains binary data (NUL bytes)');
  }
  let controls = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    // Tab, LF, VT, FF, CR and ESC occur in real text files; other C0 controls and DEL do not.
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f) {
      controls++;
    }
  }
  if (sample.length > 0 && controls / sample.length > MAX_CONTROL_RATIO) {
    throw new DeskError('EXTRACT_BINARY', 'not a text file: it is mostly control characters (binary data)');
  }
}

/** CRLF and lone CR become LF so offsets do not depend on the platform that wrote the file. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
