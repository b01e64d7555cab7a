import { app, session, type Session, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../core/contract';

/**
 * The window shell's hardening, in one place: our pages come from one origin (the app:// protocol,
 * or the dev server while developing); nothing navigates away, opens windows, attaches webviews or
 * gets a permission; every response carries the CSP.
 */

/** The renderer's origin: electron-vite's dev server while developing, else our app:// protocol. */
export const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
export const appOrigin = devServerUrl ? new URL(devServerUrl).origin : 'app://desk';

/** The page URL of a route (`''` main window, `'#/quick'` quick ask). */
export function pageUrl(hash = ''): string {
  return devServerUrl ? `${devServerUrl}${hash}` : `${appOrigin}/index.html${hash}`;
}

/** True for URLs of our own pages. */
export function isOwnUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return new URL(url).origin === appOrigin;
  } catch {
    return false;
  }
}

/** The dev server injects styles and speaks a websocket for hot reload; production allows neither. */
const devPolicy = `${CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws:")}`;
export const policy = devServerUrl ? devPolicy : CONTENT_SECURITY_POLICY;

/** CSP on every response, and no permission (camera, notifications, ...) for any page. */
export function hardenSession(ses: Session = session.defaultSession): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy], 'X-Content-Type-Options': ['nosniff'] } });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** No navigation away from our pages, no new windows, no webviews: for every web contents created. */
export function guardContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
