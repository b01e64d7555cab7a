import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The loopback shell's gatekeeping. Binding to 127.0.0.1 keeps other machines out; these checks
 * keep other local pages and programs out:
 *   - a random per-run token on every request (header for the API, query or cookie for pages),
 *   - the Host header must name our own address (a DNS-rebinding page sends its own host name),
 *   - an Origin header, when present, must be ours (a cross-site fetch or form post is refused).
 */

/** A fresh random token for one run of the server. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares without leaking how many leading characters matched. */
export function isSameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The host names this server answers to, with its port. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** True when Host is ours and Origin is absent or ours. */
export function isOwnAddress(req: IncomingMessage, port: number): boolean {
  const hosts = allowedHosts(port);
  if (!req.headers.host || !hosts.includes(req.headers.host.toLowerCase())) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return hosts.some((h) => origin.toLowerCase() === `http://${h}`);
}

/** The cookie that lets the page's own assets load after the first, token-carrying request. */
export function tokenCookieName(port: number): string {
  return `desk-token-${port}`;
}

/** Reads one cookie's value from the request. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
