// Security policy for the Electron shell as pure functions, so each rule is unit-tested.
// URLs are always compared after parsing, never by string prefix.
import type { WebPreferences } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'kubeglass';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True only for the app's own pages: app://kubeglass/…, no credentials, no port. */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.hostname === APP_HOST && u.port === '' && u.username === '' && u.password === '';
}

/** Links the user may open in their browser from the app (documentation, cluster consoles). */
export function isExternalLink(url: string): boolean {
  const u = parse(url);
  return u !== null && (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
}

/** What the renderer's session may load: the app itself, and inline data for images. */
export function isAllowedRequest(url: string): boolean {
  if (isAppUrl(url)) return true;
  const u = parse(url);
  return u !== null && (u.protocol === 'data:' || u.protocol === 'devtools:' || u.protocol === 'blob:');
}

/** Permissions a page of the app may be granted; everything else is refused. */
export function isAllowedPermission(permission: string, requestingUrl: string): boolean {
  return isAppUrl(requestingUrl) && permission === 'notifications';
}

export function appWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    // Middle-click opens links without a navigation event we could vet.
    disableBlinkFeatures: 'Auxclick',
    navigateOnDragDrop: false,
    webviewTag: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/** Maps an app:// URL to a file under the renderer directory, or null if it escapes it. */
export function appUrlToFile(url: string, rendererDir: string, join: (...p: string[]) => string, normalize: (p: string) => string): string | null {
  if (!isAppUrl(url)) return null;
  const u = parse(url)!;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const rel = normalize(pathname === '/' ? '/index.html' : pathname);
  if (rel.split(/[\\/]/).includes('..')) return null;
  return join(rendererDir, rel);
}
